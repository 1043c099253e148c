# Independent oracle for pks-geo's hot-spot statistics: R spdep on the same weights and values.
#   Rscript tests/oracles/spdep_oracle.R <edges.csv> <values.csv> <out.csv>
# edges.csv: columns i,j (1-based, both directions, no self links); values.csv: one column per
# case. Writes per case and area: Gi* z and p (spdep::localG with include.self, binary "B"
# weights) and local Moran Ii, Z.Ii and p (spdep::localmoran, row-standardised "W" weights,
# its defaults: conditional = TRUE, mlvar = TRUE, two-sided). Called by
# tests/oracles/make_spdep_reference.py; needs the Debian package r-cran-spdep.
suppressPackageStartupMessages(library(spdep))
args <- commandArgs(trailingOnly = TRUE)
edges <- read.csv(args[1])
values <- read.csv(args[2], check.names = FALSE)
n <- nrow(values)
nb <- lapply(seq_len(n), function(i) sort(as.integer(edges$j[edges$i == i])))
class(nb) <- "nb"
attr(nb, "region.id") <- as.character(seq_len(n))
attr(nb, "sym") <- TRUE
star <- nb2listw(include.self(nb), style = "B")
rowstd <- nb2listw(nb, style = "W")
out <- list()
for (case in names(values)) {
  x <- as.numeric(values[[case]])
  g <- localG(x, star, return_internals = TRUE)
  gi <- attr(g, "internals")
  lm <- localmoran(x, rowstd)
  out[[case]] <- data.frame(case = case, area = seq_len(n), gi_z = as.numeric(g), gi_p = gi[, 5],
                            lisa_i = lm[, "Ii"], lisa_z = lm[, "Z.Ii"], lisa_p = lm[, 5])
}
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
cat("spdep", as.character(packageVersion("spdep")), "\n")
