# Time to recovery per attack with HMS: attack start -> target up again (0.5 s steady).
#   gnuplot -e "datafile='ttr.dat'; outfile='ttr.png'" bench/ttr.gp
# datafile columns: scenario, mean after a shutdown per window (100 1000 2500),
# mean after a loss attack per window, then the maxima in the same order.
set terminal pngcairo size 1000,520 font "sans,10"
set output outfile
set termoption noenhanced
set datafile columnheaders
set multiplot layout 1,2 title "HMS: time from an attack to its target being up again (mean; max as a line)"
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics nomirror rotate by -20
set key top left
set title "after a shutdown (docker stop)"
set ylabel "seconds"
plot datafile using 2:2:8:xtic(1) title "HMS 0.1 s" lc rgb "#08519c", \
     '' using 3:3:9 title "HMS 1 s" lc rgb "#3182bd", \
     '' using 4:4:10 title "HMS 2.5 s" lc rgb "#9ecae1"
set title "after a packet-loss attack"
plot datafile using 5:5:11:xtic(1) title "HMS 0.1 s" lc rgb "#08519c", \
     '' using 6:6:12 title "HMS 1 s" lc rgb "#3182bd", \
     '' using 7:7:13 title "HMS 2.5 s" lc rgb "#9ecae1"
unset multiplot
