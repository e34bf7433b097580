# Draws accuracy against inference time for each pruning level, in the manner of the UNet++ paper's
# Figure 3, from the CSV files that scripts/measure-results.py writes.
#
# usage: gnuplot -c scripts/plot-pruning.gp NUCLEI_CSV HIPPOCAMPUS_CSV OUTPUT_PNG

if (ARGC != 3) {
  print "usage: gnuplot -c scripts/plot-pruning.gp NUCLEI_CSV HIPPOCAMPUS_CSV OUTPUT_PNG"
  exit status 1
}

set datafile separator comma
set datafile columnheaders
set terminal pngcairo size 1200,520 font "sans,11"
set output ARG3

label(level, mode) = sprintf("L%d %s", level, mode)
# Fast-mode labels go above their point and accurate-mode labels below, so that L4's two points stay readable.
fast(mode, value) = mode eq "fast" ? value : NaN
accurate(mode, value) = mode eq "accurate" ? value : NaN
set grid
set key off
set pointsize 1.6

set multiplot layout 1,2 title "Pruned UNet++: accuracy against CPU inference time per level"

set title "nuclei96, 96x96 RGB (held-out 120 images)"
set xlabel "median time per image (ms)"
set ylabel "paper-style mean IoU"
set offsets graph 0.12, graph 0.12, graph 0.1, graph 0.1
plot ARG1 using (1000 * column("median_seconds")):(column("paper_mean_iou")) with linespoints lw 2 pt 7 lc rgb "#1f77b4", \
     ARG1 using (1000 * column("median_seconds")):(fast(strcol("mode"), column("paper_mean_iou"))):(label(column("level"), strcol("mode"))) \
       with labels offset 0,1.2 font ",10", \
     ARG1 using (1000 * column("median_seconds")):(accurate(strcol("mode"), column("paper_mean_iou"))):(label(column("level"), strcol("mode"))) \
       with labels offset 0,-1.2 font ",10"

set title "hippocampus MRI (held-out 46 volumes)"
set xlabel "median time per volume (ms)"
set ylabel "mean Dice (anterior, posterior)"
plot ARG2 using (1000 * column("median_seconds")):(column("dice")) with linespoints lw 2 pt 7 lc rgb "#d62728", \
     ARG2 using (1000 * column("median_seconds")):(fast(strcol("mode"), column("dice"))):(label(column("level"), strcol("mode"))) \
       with labels offset 0,1.2 font ",10", \
     ARG2 using (1000 * column("median_seconds")):(accurate(strcol("mode"), column("dice"))):(label(column("level"), strcol("mode"))) \
       with labels offset 0,-1.2 font ",10"

unset multiplot
