# Reference fixtures for awaken.epi (timelines, nonparametric, Fine-Gray) made with R `survival`.
# Run from the repository root:  Rscript tests/epi/make_fixtures_np.R
# Writes tests/epi/fixtures/{tm,np,fg}_*.csv; the tests read only these files (CI needs no R).
suppressPackageStartupMessages(library(survival))
out <- "tests/epi/fixtures"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
w <- function(x, name) write.csv(x, file.path(out, name), row.names = FALSE)
wz <- function(x, name) {
  con <- gzfile(file.path(out, name), "w")
  write.csv(x, con, row.names = FALSE)
  close(con)
}
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

## ---- Kaplan-Meier ------------------------------------------------------------------------
lung2 <- data.frame(time = lung$time, status = lung$status - 1, sex = lung$sex, age = lung$age)
w(lung2, "np_lung.csv")
km_table <- function(fit) {
  data.frame(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
             n_censor = fit$n.censor, surv = fit$surv, std_err = fit$std.err,
             lower = fit$lower, upper = fit$upper)
}
w(km_table(survfit(Surv(time, status) ~ 1, data = lung2)), "np_km_log.csv")
w(km_table(survfit(Surv(time, status) ~ 1, data = lung2, conf.type = "log-log")),
  "np_km_loglog.csv")
w(km_table(survfit(Surv(time, status) ~ 1, data = lung2, conf.type = "plain")),
  "np_km_plain.csv")
set.seed(20250101)
n <- 300
lt <- data.frame(id = 1:n, entry = round(runif(n, 0, 200)), sex = rbinom(n, 1, 0.5))
lt$exit <- lt$entry + pmax(1, round(rexp(n, 1 / 300)))
lt$cens <- round(runif(n, 100, 900))
lt$status <- ifelse(lt$exit <= lt$cens, 1, 0)
lt$exit <- pmin(lt$exit, lt$cens)
lt <- lt[lt$exit > lt$entry, c("id", "entry", "exit", "status", "sex")]
lt$cause <- ifelse(lt$status == 1, 1 + rbinom(nrow(lt), 1, 0.4), 0)   # 1 or 2 competing
w(lt, "np_lefttrunc.csv")
w(km_table(survfit(Surv(entry, exit, status) ~ 1, data = lt, conf.type = "log-log")),
  "np_km_lefttrunc.csv")

## ---- Aalen-Johansen (multi-state survfit) ------------------------------------------------
m2 <- mgus2
m2$etime <- with(m2, ifelse(pstat == 0, futime, ptime))
m2$event <- with(m2, ifelse(pstat == 0, 2 * death, 1))
w(m2[, c("id", "age", "sex", "etime", "event")], "np_mgus2.csv")
aj_table <- function(fit) {
  data.frame(time = fit$time, n_risk = fit$n.risk[, 1],
             p0 = fit$pstate[, 1], p1 = fit$pstate[, 2], p2 = fit$pstate[, 3],
             se0 = fit$std.err[, 1], se1 = fit$std.err[, 2], se2 = fit$std.err[, 3],
             lo1 = fit$lower[, 2], up1 = fit$upper[, 2], lo2 = fit$lower[, 3], up2 = fit$upper[, 3])
}
ajfit <- survfit(Surv(etime, factor(event, 0:2, c("censor", "pcm", "death"))) ~ 1, data = m2)
w(aj_table(ajfit), "np_aj_mgus2.csv")
ajlt <- survfit(Surv(entry, exit, factor(cause, 0:2)) ~ 1, data = lt, id = id)
w(aj_table(ajlt), "np_aj_lefttrunc.csv")

## ---- Fine-Gray (survival vignette "compete", mgus2: pcm with death competing) ---------------
m2$ev <- factor(m2$event, 0:2, labels = c("censor", "pcm", "death"))
m2$male <- as.integer(m2$sex == "M")
coefs <- function(fit, case) {
  data.frame(case = case, term = names(coef(fit)), coef = unname(coef(fit)),
             se = unname(sqrt(diag(fit$var))),
             naive_se = unname(sqrt(diag(if (is.null(fit$naive.var)) fit$var else fit$naive.var))),
             loglik = fit$loglik[2], n = fit$n, nevent = fit$nevent)
}
fg <- finegray(Surv(etime, ev) ~ ., data = m2[, c("id", "age", "male", "etime", "ev")],
               etype = "pcm")
wz(fg[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "fg_mgus2_expanded.csv.gz")
r1 <- coefs(coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male, weights = fgwt, data = fg),
            "mgus2")
r1b <- coefs(coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male, weights = fgwt,
                   cluster = id, data = fg), "mgus2_robust")
# counting-process input with a time-dependent covariate x (0 -> 1 at a per-person time)
tmb <- tmerge(m2[, c("id", "age", "male")], m2, id = id, tstop = etime, ev = event(etime, event))
chg <- data.frame(id = m2$id, t = (m2$id * 37) %% 200 + 1)
tmb <- tmerge(tmb, chg, id = id, x = tdc(t))
tmb$evf <- factor(tmb$ev, 0:2, labels = c("censor", "pcm", "death"))
w(tmb[, c("id", "tstart", "tstop", "ev", "age", "male", "x")], "fg_split_data.csv")
fg2 <- finegray(Surv(tstart, tstop, evf) ~ ., id = id,
                data = tmb[, c("id", "tstart", "tstop", "evf", "age", "male", "x")], etype = "pcm")
wz(fg2[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "fg_split_expanded.csv.gz")
r2 <- coefs(coxph(Surv(fgstart, fgstop, fgstatus) ~ age + male + x, weights = fgwt,
                  cluster = id, data = fg2), "split_robust")
# delayed entry (left truncation)
lt$cf <- factor(lt$cause, 0:2)
fg3 <- finegray(Surv(entry, exit, cf) ~ ., id = id,
                data = lt[, c("id", "entry", "exit", "cf", "sex")], etype = "1")
w(fg3[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "fg_lefttrunc_expanded.csv")
r3 <- coefs(coxph(Surv(fgstart, fgstop, fgstatus) ~ sex, weights = fgwt, cluster = id,
                  data = fg3), "lefttrunc_robust")
w(rbind(r1, r1b, r2, r3), "fg_coef.csv")
