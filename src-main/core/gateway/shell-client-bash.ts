// The shell agent where Shoal's own Node is not (an SSH host, a container): the same exchange as
// shell-client.ts — one exec_shell call through the approval tool, run the instructions only when
// the policy or a person allows, then report the exit code — written in bash alone, because bash is
// all the shell agent needs on such a host. HTTP/1.0 over bash's /dev/tcp: the gateway answers and
// closes, so the whole reply (JSON or an SSE stream) is read to its end, possibly minutes later
// while a person decides. Exit code: the command's own; 126 refused or unreachable; 130 aborted.
// Run as: bash --noprofile --norc -c SHELL_CLIENT_BASH shoal-shell INSTRUCTIONS
// (Written with $\{ for bash's ${ so the template literal leaves it alone.)
export const SHELL_CLIENT_BASH = String.raw`
set -u
command=$1
call_id="shell-$\{SHOAL_RUN_ID:-}/$\{SHOAL_TASK_ID:-}#$\{SHOAL_ATTEMPT:-1}"
rest=$\{SHOAL_GATEWAY_URL#http://}
hostport=$\{rest%%/*}
path=/$\{rest#*/}
esc() { local s=$1; s=$\{s//\\/\\\\}; s=$\{s//\"/\\\"}; s=$\{s//$'\n'/\\n}; s=$\{s//$'\r'/\\r}; s=$\{s//$'\t'/\\t}; printf '%s' "$s"; }
call() { # tool name, JSON arguments -> the reply on stdout; non-zero when the gateway is unreachable
  local body="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}"
  { exec 3<>"/dev/tcp/$\{hostport%:*}/$\{hostport##*:}"; } 2>/dev/null || return 1
  printf 'POST %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %s\r\n\r\n%s' \
    "$path" "$(printf '%s' "$body" | wc -c)" "$body" >&3
  cat <&3
  exec 3<&-
}
answered() { # the gateway's JSON-RPC answer is in the reply (not only its headers: a cut stream has those)
  case $1 in *'"jsonrpc"'*) case $1 in *'"id":1,'*|*'"id":1}'*) return 0 ;; esac ;; esac
  return 1
}
# A connection that fails or is cut before the answer (a dropped forward) is asked again with the
# same call id, which finds the same request; a gateway that refused the request (4xx) is not.
reply=
for wait in 0.2 0.4 0.8 1.6 2 2 2 2 2 2 2 2 2 2 2 2 2; do
  reply=$(call approval_prompt "{\"tool_name\":\"exec_shell\",\"input\":{\"command\":\"$(esc "$command")\"},\"tool_use_id\":\"$(esc "$call_id")\"}")
  answered "$reply" && break
  case $reply in
    'HTTP/1.'?' 4'*) echo "shoal: the tool gateway refused the call: $(printf '%s' "$reply" | head -1 | tr -d '\r')" >&2; exit 126 ;;
  esac
  reply=
  sleep "$wait"
done
if [ -z "$reply" ]; then echo "shoal: the tool gateway could not be reached at $hostport" >&2; exit 126; fi
case $reply in
  *'\"behavior\":\"allow\"'*) ;;
  *'\"interrupt\":true'*) echo "shoal: aborted by a person"; exit 130 ;;
  *) message=$(printf '%s' "$reply" | grep -o '\\"message\\":\\"[^\\]*' | head -1 | cut -d'"' -f4); echo "shoal: $\{message:-refused}"; exit 126 ;;
esac
bash --noprofile --norc -c "$command" &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT HUP
wait $child; code=$?
# A signal that woke the wait above: wait again for the command's own end.
while kill -0 $child 2>/dev/null; do wait $child; code=$?; done
call shell_result "{\"call_id\":\"$(esc "$call_id")\",\"exit_code\":$code}" >/dev/null 2>&1 &
reporter=$!
( sleep 2; kill $reporter 2>/dev/null ) &
wait $reporter 2>/dev/null
exit $code
`.replace(/\$\\\{/g, '${');
