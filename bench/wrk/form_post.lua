-- POSTs form bodies with HTTP Basic client authentication, for wrk; the bodies are sent
-- round and round (client credentials, introspection). Settings come from the environment
-- (set by bench/lib/wrk.ts):
--   BENCH_PATH    request path, e.g. /token
--   BENCH_AUTH    Authorization header value
--   BENCH_LINES   file with one urlencoded body per line
-- done() prints one line "BENCH_RESULT {json}" that the harness parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local bodies = {}
local count = 0
local position = 0
ok = 0
statuses = {}
first_error = ""

function init(args)
  for line in io.lines(os.getenv("BENCH_LINES")) do
    count = count + 1
    bodies[count] = line
  end
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
end

function request()
  position = position % count + 1
  return wrk.format(nil, nil, nil, bodies[position])
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

done = dofile(os.getenv("BENCH_REPORT"))(threads)
