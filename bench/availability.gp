# Availability per scenario: HMS per aggregation window, the baselines, the seed.
#   gnuplot -e "datafile='availability.dat'; outfile='availability.png'" bench/availability.gp
# datafile columns: scenario none always hms100 hms1000 hms2500 seed100 seed1000 seed2500
set terminal pngcairo size 1000,520 font "sans,10"
set output outfile
set termoption noenhanced
set datafile columnheaders
set title "Availability under the seed's four antagonist scenarios (all three targets up)"
set ylabel "availability (% of 100 ms samples)"
set yrange [0:105]
set ytics 10
set grid ytics
set key outside right top vertical
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
plot datafile using 2:xtic(1) title "no healer" lc rgb "#9e9e9e", \
     '' using 3 title "restart=always" lc rgb "#616161", \
     '' using 4 title "HMS 0.1 s" lc rgb "#08519c", \
     '' using 5 title "HMS 1 s" lc rgb "#3182bd", \
     '' using 6 title "HMS 2.5 s" lc rgb "#9ecae1", \
     '' using 7 title "seed 0.1 s" lc rgb "#a63603", \
     '' using 8 title "seed 1 s" lc rgb "#e6550d", \
     '' using 9 title "seed 2.5 s" lc rgb "#fdae6b"
