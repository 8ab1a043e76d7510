#!/bin/bash
# report on a large recording shows how far it has read, on a terminal only: the stored
# aggregate recording's windows played for 2.5 hours (tools/vnl-stretch.py, ~500 MB) read
# under a pseudo-terminal (script), through a pipe, and with --json.
. "$(dirname "$0")/lib.sh"
data=$(cd "$(dirname "$0")/../data" && pwd)

zcat "$data/aggregate.vnl.gz" >"$work/a.vnl"
python3 "$tools/vnl-stretch.py" "$work/a.vnl" "$work/long.vnl" 9000 >/dev/null
script -qc "'$vnetlat' report '$work/long.vnl'" /dev/null >"$work/tty.out"
check "on a terminal: 'reading FILE: N% (x of y GB)', rewritten in place" \
	grep -aEq $'\rreading .*long.vnl: [0-9]+% \\([0-9.]+ of [0-9.]+ GB\\)' "$work/tty.out"
check "cleared before the report" grep -aq "end_to_end" "$work/tty.out"
"$vnetlat" report "$work/long.vnl" >"$work/pipe.out" 2>&1
check "through a pipe: no progress" bash -c "! grep -aq 'reading ' '$work/pipe.out'"
script -qc "'$vnetlat' report --json '$work/long.vnl'" /dev/null >"$work/json.out"
check "with --json: no progress" bash -c "! grep -aq 'reading ' '$work/json.out'"
rm -f "$work/long.vnl"
finish
