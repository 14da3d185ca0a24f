-- Shared by the wrk scripts: returns a done() that sums the threads' counters (ok, idle,
-- statuses, the first error answer) and prints them with wrk's summary as one line
-- "BENCH_RESULT {json}".

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

return function(threads)
  return function(summary, latency, requests)
    local ok, idle, others, first_error = 0, 0, {}, ""
    for _, thread in ipairs(threads) do
      ok = ok + (thread:get("ok") or 0)
      idle = idle + (thread:get("idle") or 0)
      if first_error == "" then
        first_error = thread:get("first_error") or ""
      end
      for status, n in pairs(thread:get("statuses") or {}) do
        others[status] = (others[status] or 0) + n
      end
    end
    local parts = {}
    for status, n in pairs(others) do
      table.insert(parts, string.format('"%d":%d', status, n))
    end
    local e = summary.errors
    io.write(string.format(
      'BENCH_RESULT {"requests":%d,"ok":%d,"idle":%d,"duration_us":%d,"socket_errors":%d,"timeouts":%d,' ..
      '"p50_us":%d,"p99_us":%d,"non200":{%s},"first_error":%s}\n',
      summary.requests, ok, idle, summary.duration, e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(99), table.concat(parts, ","), json_string(first_error)))
  end
end
