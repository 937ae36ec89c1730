# Fixtures for multi-state survival curves (survfit with a multi-state Surv, survival 3.5.3):
# the illness-death model on mgus2 (entry -> plasma-cell malignancy -> death, entry -> death),
# as in the survival package's vignette, with and without case weights.
# Run from the repository root:  Rscript tests/epi/make_fixtures_ms.R
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
w17 <- function(x, name) {
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) sprintf("%.17g", v))
  write.csv(x, file.path(out, name), row.names = FALSE, na = "")
}
cat("survival", as.character(packageVersion("survival")), "\n")
m <- mgus2
m$ptime2 <- ifelse(m$pstat == 1 & m$ptime == m$futime, m$ptime - 0.1, m$ptime)  # pcm before death
d <- tmerge(m[, c("id", "age", "sex")], m, id = id, death = event(futime, death),
            pcm = event(ptime2, pstat))
d$to <- with(d, ifelse(pcm == 1, 1, ifelse(death == 1, 2, 0)))   # 0 censored, 1 pcm, 2 death
d$w <- 0.25 + (d$id %% 7) / 3
w17(d[, c("id", "tstart", "tstop", "to", "w")], "ms_mgus2.csv")
d$state <- factor(d$to, 0:2, c("censor", "pcm", "death"))
table_of <- function(f) {
  data.frame(time = f$time, p0 = f$pstate[, 1], p1 = f$pstate[, 2], p2 = f$pstate[, 3],
             se0 = f$std.err[, 1], se1 = f$std.err[, 2], se2 = f$std.err[, 3],
             n0 = f$n.risk[, 1], n1 = f$n.risk[, 2])
}
w17(table_of(survfit(Surv(tstart, tstop, state) ~ 1, data = d, id = id)), "ms_fit.csv")
w17(table_of(survfit(Surv(tstart, tstop, state) ~ 1, data = d, id = id, weights = w)),
    "ms_fit_weighted.csv")
