# Control-plane traffic (manager <-> controller) per scenario and aggregation window.
#   gnuplot -e "datafile='traffic.dat'; outfile='traffic.png'; seedlo='43'; seedhi='155'" bench/traffic.gp
# datafile columns: scenario total100 total1000 total2500 idle100 idle1000 idle2500 (bit/s)
set terminal pngcairo size 1000,520 font "sans,10"
set output outfile
set termoption noenhanced
set datafile columnheaders
set title "Control-plane traffic during the runs (bars) and at rest (heartbeats only, points)"
set ylabel "bit/s"
set yrange [0:*]
set grid ytics
set key outside right top vertical
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
lo = real(seedlo); hi = real(seedhi)
plot datafile using 2:xtic(1) title "HMS 0.1 s" lc rgb "#08519c", \
     '' using 3 title "HMS 1 s" lc rgb "#3182bd", \
     '' using 4 title "HMS 2.5 s" lc rgb "#9ecae1", \
     '' using ($0):5 with points pt 7 ps 1.2 lc rgb "black" title "at rest", \
     hi with lines dt 2 lc rgb "#e6550d" title sprintf("seed, highest (%g bit/s)", hi), \
     lo with lines dt 3 lc rgb "#fdae6b" title sprintf("seed, lowest (%g bit/s)", lo)
