# Reference fixtures for awaken.epi (timelines, nonparametric, Fine-Gray) made with R `survival`.
# Run from the repository root:  Rscript tests/epi/make_fixtures_np.R
# Writes tests/epi/fixtures/{tm,np,fg}_*.csv; the tests read only these files (CI needs no R).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
w <- function(x, name) write.csv(x, file.path(out, name), row.names = FALSE)
cat("survival", as.character(packageVersion("survival")), "\n")

## ---- tmerge / survSplit ----------------------------------------------------------------
base <- data.frame(id = 1:8,
                   entry = c(0, 0, 5, 0, 2, 0, 10, 0),
                   futime = c(100, 50, 80, 120, 60, 30, 90, 45),
                   death = c(1, 0, 1, 0, 1, 1, 0, 1),
                   age = c(61, 70, 55, 80, 66, 72, 59, 75))
expo <- data.frame(id = c(1, 2, 3, 4, 6, 1, 7, 8),        # before entry, at stop, twice
                   t = c(20, 50, 3, 60, 30, 70, 10, 45))
mets <- data.frame(id = c(1, 4, 4, 5, 7), t = c(40, 30, 90, 60, 200))  # one at stop, one after
lab <- data.frame(id = c(1, 1, 2, 4, 5, 8), t = c(0, 55, 10, 60, 1, 20),
                  crp = c(3.5, 8.1, 2.0, 12.0, 5.5, 7.0))
w(base, "tm_base.csv"); w(expo, "tm_expo.csv"); w(mets, "tm_mets.csv"); w(lab, "tm_lab.csv")
tm <- tmerge(base, base, id = id, death = event(futime, death), tstart = entry, tstop = futime)
tm <- tmerge(tm, expo, id = id, exposed = tdc(t))
tm <- tmerge(tm, mets, id = id, met = event(t))
tm <- tmerge(tm, lab, id = id, crp = tdc(t, crp))
w(tm[, c("id", "tstart", "tstop", "death", "exposed", "met", "crp", "age")], "tm_tmerge.csv")
ss <- survSplit(Surv(tstart, tstop, death) ~ ., data = tm, cut = c(25, 75), episode = "period")
ss <- ss[order(ss$id, ss$tstart), ]
w(ss[, c("id", "tstart", "tstop", "death", "exposed", "met", "crp", "period")], "tm_split.csv")
