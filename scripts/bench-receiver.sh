#!/usr/bin/env bash
# Receiver throughput (see BENCHMARKS.md): the release server driven by wrk on loopback, on
# SQLite and PostgreSQL. Installs wrk and starts PostgreSQL when missing; extra arguments and the
# BOTWIRE_BENCH_* settings (see crates/server/benches/receiver.rs) pass through.
source "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || ensure_apt wrk
case ",${BOTWIRE_BENCH_DBS:-sqlite,postgres}," in
  *,postgres,*|*,pg,*) ensure_postgres ;;
esac
exec cargo bench -p botwire-server --bench receiver "$@"
