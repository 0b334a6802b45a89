/*  test_runtime: the runtime escape indicators (hms_runtime) on a proc
    tree built by the test: namespaces are files (a process "in" the
    host's namespace is a hard link to the host's file: the same inode),
    status files give capabilities and uids, mountinfo files cgroup v1
    mounts. Reaches what a live test cannot do on this host without
    touching it: the host's own release_agent changing.
*/
#include "hms_runtime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_root[64];

static void s_write(const char *text, const char *format, ...)
{
    char path[512];
    va_list args;
    va_start(args, format);
    vsnprintf(path, sizeof path, format, args);
    va_end(args);
    //  Every directory on the way.
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        mkdir(path, 0755);
        *slash = '/';
    }
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

//  A process: its status (name, effective and bounding capabilities,
//  uid) and namespaces: its own files, or the host's ("host").
static void s_process(int pid, const char *name, const char *cap_eff, const char *cap_bnd, int uid,
                      const char *ns)
{
    char status[512];
    snprintf(status, sizeof status,
             "Name:\t%s\nUmask:\t0022\nUid:\t%d\t%d\t%d\t%d\nCapInh:\t0000000000000000\n"
             "CapEff:\t%s\nCapBnd:\t%s\n",
             name, uid, uid, uid, uid, cap_eff, cap_bnd);
    s_write(status, "%s/%d/status", s_root, pid);
    static const char *names[] = {"mnt", "pid", "net"};
    for (int n = 0; n < 3; n++) {
        char path[256], host[256];
        snprintf(path, sizeof path, "%s/%d/ns/%s", s_root, pid, names[n]);
        snprintf(host, sizeof host, "%s/self/ns/%s", s_root, names[n]);
        if (strcmp(ns, "host") == 0 || (strcmp(ns, "host-pid") == 0 && n == 1)) {
            s_write("", "%s/%d/ns/.keep", s_root, pid);
            assert_int_equal(link(host, path), 0);
        } else
            s_write(names[n], "%s/%d/ns/%s", s_root, pid, names[n]);
    }
    s_write("", "%s/%d/mountinfo", s_root, pid);
}

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_root, sizeof s_root, "/tmp/hms-test-runtime-XXXXXX");
    assert_non_null(mkdtemp(s_root));
    s_write("mnt", "%s/self/ns/mnt", s_root);
    s_write("pid", "%s/self/ns/pid", s_root);
    s_write("net", "%s/self/ns/net", s_root);
    //  The host mounts one cgroup v1 hierarchy, its release_agent empty.
    char mountinfo[512];
    snprintf(mountinfo, sizeof mountinfo,
             "22 1 0:20 / / rw - ext4 /dev/sda1 rw\n"
             "30 22 0:25 / %s/cg rw,nosuid - cgroup cgroup rw,memory\n",
             s_root);
    s_write(mountinfo, "%s/self/mountinfo", s_root);
    s_write("", "%s/cg/release_agent", s_root);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", s_root);
    return system(command) == 0 ? 0 : -1;
}

#define DEFAULT_CAPS "00000000a80425fb" //  Docker's default set
#define ALL_CAPS     "000001ffffffffff"

static void test_processes(void **state)
{
    (void)state;
    hms_runtime_t *runtime = hms_runtime_new(s_root);
    assert_non_null(runtime);
    s_process(100, "sleep", DEFAULT_CAPS, DEFAULT_CAPS, 1000, "own");
    s_process(101, "sh", DEFAULT_CAPS, DEFAULT_CAPS, 1000, "own");
    s_process(102, "sleep", ALL_CAPS, ALL_CAPS, 0, "host");        //  injected from the host
    s_process(103, "runc:[2:INIT]", ALL_CAPS, ALL_CAPS, 0, "own"); //  an exec on its way
    s_process(104, "sh", "0000000000000000", DEFAULT_CAPS, 1000, "host-pid");
    hms_runtime_main_t main;
    assert_int_equal(hms_runtime_main(runtime, 100, &main), 0);
    assert_false(main.root);
    assert_false(main.can_mount);
    assert_int_equal(main.cap_bnd, 0xa80425fb);
    hms_runtime_found_t found;
    hms_runtime_scan(runtime, &main, 100, (int[]){100, 101}, 2, &found);
    assert_int_equal(found.host_ns + found.extra_caps + found.release_agent, 0);
    hms_runtime_scan(runtime, &main, 100, (int[]){100, 101, 102, 103, 104, 105}, 6, &found);
    assert_int_equal(found.extra_caps, 1); //  102; runc's init is not judged; 105 is gone
    assert_int_equal(found.host_ns, 2);    //  102, and 104 in the host's pid namespace
    //  A container that shares the host's pid namespace (--pid host): only
    //  the other namespaces count.
    s_process(110, "sleep", DEFAULT_CAPS, DEFAULT_CAPS, 0, "host-pid");
    assert_int_equal(hms_runtime_main(runtime, 110, &main), 0);
    assert_true(main.root);
    hms_runtime_scan(runtime, &main, 110, (int[]){110, 104}, 2, &found);
    assert_int_equal(found.host_ns, 0);
    hms_runtime_scan(runtime, &main, 110, (int[]){110, 102}, 2, &found);
    assert_int_equal(found.host_ns, 1);
    assert_int_equal(hms_runtime_main(runtime, 999, &main), -1);
    hms_runtime_destroy(&runtime);
    assert_null(runtime);
}

//  A manager with a mount namespace of its own (its image, or a unit with
//  ProtectSystem): the host's namespaces are init's, when it may read them.
static void test_init_namespaces(void **state)
{
    (void)state;
    char init[512], self[512];
    snprintf(init, sizeof init, "%s/1/ns/mnt", s_root);
    snprintf(self, sizeof self, "%s/self/ns/mnt", s_root);
    s_write("", "%s/1/ns/.keep", s_root);
    s_write("init mnt", "%s", init);
    //  Init's pid and net are the manager's; its mount namespace is not.
    static const char *names[] = {"pid", "net"};
    for (int n = 0; n < 2; n++) {
        char host[256], path[256];
        snprintf(host, sizeof host, "%s/self/ns/%s", s_root, names[n]);
        snprintf(path, sizeof path, "%s/1/ns/%s", s_root, names[n]);
        assert_int_equal(link(host, path), 0);
    }
    hms_runtime_t *runtime = hms_runtime_new(s_root);
    assert_non_null(runtime);
    s_process(120, "sleep", DEFAULT_CAPS, DEFAULT_CAPS, 1000, "own");
    s_process(121, "sh", DEFAULT_CAPS, DEFAULT_CAPS, 1000, "own");
    hms_runtime_main_t main;
    assert_int_equal(hms_runtime_main(runtime, 120, &main), 0);
    hms_runtime_found_t found;
    hms_runtime_scan(runtime, &main, 120, (int[]){120, 121}, 2, &found);
    assert_int_equal(found.host_ns, 0);
    //  121 enters init's mount namespace: the host's, not the manager's.
    char path[256];
    snprintf(path, sizeof path, "%s/121/ns/mnt", s_root);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(link(init, path), 0);
    hms_runtime_scan(runtime, &main, 120, (int[]){120, 121}, 2, &found);
    assert_int_equal(found.host_ns, 1);
    //  One in the manager's own mount namespace is not flagged for it.
    assert_int_equal(unlink(path), 0);
    assert_int_equal(link(self, path), 0);
    hms_runtime_scan(runtime, &main, 120, (int[]){120, 121}, 2, &found);
    assert_int_equal(found.host_ns, 0);
    hms_runtime_destroy(&runtime);
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s/1", s_root);
    assert_int_equal(system(command), 0);
}

//  A container that can mount, with a cgroup v1 hierarchy mounted inside.
static void test_release_agent(void **state)
{
    (void)state;
    hms_runtime_t *runtime = hms_runtime_new(s_root);
    s_process(200, "sh", "0000003ffeffffff", "0000003ffeffffff", 0, "own");
    s_write("60 22 0:40 / / rw - overlay overlay rw\n"
            "61 60 0:41 / /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
            "70 60 0:50 / /tmp/cg rw,relatime - cgroup cgroup rw,name=x\n",
            "%s/200/mountinfo", s_root);
    //  Docker's own mounts are a cgroup's subdirectory: no release_agent.
    s_write("/x\n", "%s/200/root/tmp/cg/release_agent", s_root);
    hms_runtime_main_t main;
    assert_int_equal(hms_runtime_main(runtime, 200, &main), 0);
    assert_true(main.can_mount);
    hms_runtime_found_t found;
    hms_runtime_scan(runtime, &main, 200, (int[]){200}, 1, &found);
    assert_int_equal(found.release_agent, 1);
    s_write("\n", "%s/200/root/tmp/cg/release_agent", s_root);
    hms_runtime_scan(runtime, &main, 200, (int[]){200}, 1, &found);
    assert_int_equal(found.release_agent, 0);
    //  The host's own release_agent changes, once.
    assert_false(hms_runtime_host_changed(runtime));
    s_write("/tmp/evil\n", "%s/cg/release_agent", s_root);
    assert_true(hms_runtime_host_changed(runtime));
    assert_false(hms_runtime_host_changed(runtime));
    s_write("", "%s/cg/release_agent", s_root);
    assert_true(hms_runtime_host_changed(runtime));
    hms_runtime_destroy(&runtime);
}

static void test_users(void **state)
{
    (void)state;
    assert_true(hms_runtime_user_is_root("0"));
    assert_true(hms_runtime_user_is_root("root"));
    assert_true(hms_runtime_user_is_root("0:0"));
    assert_true(hms_runtime_user_is_root("root:wheel"));
    assert_false(hms_runtime_user_is_root(""));
    assert_false(hms_runtime_user_is_root("1000"));
    assert_false(hms_runtime_user_is_root("00"));
    assert_false(hms_runtime_user_is_root("rooted"));
    assert_false(hms_runtime_user_is_root("1000:0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_processes),
        cmocka_unit_test(test_release_agent),
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_init_namespaces),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
