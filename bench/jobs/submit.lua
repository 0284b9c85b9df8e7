-- wrk script for phase 1 of JobsBench: POST /api/jobs/submit/ with the users' access tokens round-robin until JOBS
-- answers have arrived, then stop. wrk is the load generator here because it costs far less CPU per request than a
-- JVM client, and the load generator shares the cores with the server in this benchmark.
--
-- Environment: TOKENS (file, one access token per line), JOBS (submits), BODY (the JSON body).
-- Run it with one thread (-t1). When its answers are in, the thread stops and prints "wrk-done"; wrk itself sleeps
-- until -d unless it gets SIGINT, which JobsBench then sends (from here it could reach the thread, not the sleeper).
-- Prints one line "wrk-result {json}" at the end: answers by status, the window from the thread's start to the
-- last answer, wrk's run time, socket errors and the response-time percentiles.

local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local total = tonumber(os.getenv("JOBS"))
local body = os.getenv("BODY")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- wrk's Lua has no sub-second clock; a process is started twice per run, not per request
local function now_us()
  local date = io.popen("date +%s%6N")
  local value = tonumber(date:read("*l"))
  date:close()
  return value
end

function init(args)
  answered, statuses = 0, {}
  next_token = id
  started_us = now_us()
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("POST", "/api/jobs/submit/", {
    ["Authorization"] = "Bearer " .. tokens[next_token],
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  answered = answered + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if answered == total then
    ended_us = now_us()
    io.write("wrk-done\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local thread = threads[1]
  local codes = {}
  for k, v in pairs(thread:get("statuses")) do codes[#codes + 1] = string.format('"%s":%d', k, v) end
  local started, ended = thread:get("started_us"), thread:get("ended_us")
  io.write(string.format('wrk-result {"statuses":{%s},"requests":%d,"window_us":%d,"duration_us":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}}\n',
      table.concat(codes, ","), summary.requests, ended and (ended - started) or -1, summary.duration,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      summary.errors.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
end
