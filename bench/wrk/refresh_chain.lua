-- Refresh-token rotation chains, for wrk: every 200 answer carries the next refresh token,
-- and that token is what the thread spends next, as a TPP would. No pool to run out of, and
-- no token is ever sent twice (a replay would revoke its grant). Settings (bench/lib/wrk.ts):
--   BENCH_PATH, BENCH_AUTH  as in form_post.lua
--   BENCH_LINES             one seed refresh token per line, shared out between threads
--   BENCH_THREADS           wrk's -t
-- A thread whose chains all broke (a non-200 answer ends a chain) has nothing left to send:
-- its connections wait a second, then fetch discovery; those requests are counted as "idle",
-- never as ok.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local queue = {}
local head, tail = 1, 0
ok = 0
idle = 0
statuses = {}
first_error = ""

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS")) or 1
  local line_no = 0
  for line in io.lines(os.getenv("BENCH_LINES")) do
    if line_no % nthreads == id then
      tail = tail + 1
      queue[tail] = line
    end
    line_no = line_no + 1
  end
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
end

-- wrk asks before each request how long to wait; only a connection with no token waits
function delay()
  if head > tail then
    return 1000
  end
  return 0
end

function request()
  if head > tail then
    idle = idle + 1
    return wrk.format("GET", "/.well-known/openid-configuration", {}, nil)
  end
  local token = queue[head]
  queue[head] = nil
  head = head + 1
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      ok = ok + 1
      tail = tail + 1
      queue[tail] = token
    end
  else
    statuses[status] = (statuses[status] or 0) + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

done = dofile(os.getenv("BENCH_REPORT"))(threads)
