"""Provides every benchmark, one module each, run as `showcall bench NAME` (`showcall.bench.NAME`).

A benchmark module has `add_arguments(parser)` (which also sets the parser's description) and `run(args)`
returning the exit status; `showcall.cli.BENCHMARKS` lists them with a one-line help each and imports one
only when it runs. The benchmarks: `timing` (the timing core against a naive scheduler), `engine` (GO
latency and a long unattended run), `load` (show loading and `showcall check` start-up), `console` (the
Textual console on a 10,000-cue show), `sim` (simulator throughput), `web` (engine events to the
browser views with many browsers attached), `backup` (a main killed or frozen mid-show, its backup taking
over). Their helpers: `env` (the machine the figures were measured on), `procs` (the measuring receiver, CPU
hog, UI-like load), `timingreport` (the timing benchmark's tables and verdict), `showgen` (large generated
shows), `linkrig` (a main and its backup as processes, a receiver that judges, a link proxy), `clockpeer`
(the link's clock conversion between two processes).

Every percentile is `showcall.stats`'s nearest rank, as in the console and the post-show report. This
package imports the product; nothing in the product imports it (tests/bench/test_layering.py).
"""
