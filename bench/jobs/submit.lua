-- wrk script for phase 1 of JobsBench: POST /api/jobs/submit/ with the users' access tokens round-robin, until
-- JOBS answers have arrived in total (each wrk thread takes its share), then stop. wrk is the load generator here
-- because it costs the machine far less CPU per request than a JVM client (the load generator shares the cores
-- with the server in this benchmark).
--
-- Environment: TOKENS (file, one access token per line), JOBS (total submits), BODY (the JSON body),
-- WRK_THREADS (the -t given to wrk, default 1).
-- Prints one line "wrk-result {json}" at the end: answers by status, the run's duration, socket errors and the
-- response-time percentiles.

local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local total = tonumber(os.getenv("JOBS"))
local body = os.getenv("BODY")
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  -- each thread's share of the total; the first threads take the remainder
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  share = math.floor(total / n) + ((id <= total % n) and 1 or 0)
  sent, answered, statuses = 0, 0, {}
  next_token = id
end

function request()
  sent = sent + 1
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
  if answered >= share then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do
      parts[k] = (parts[k] or 0) + v
    end
  end
  local codes = {}
  for k, v in pairs(parts) do codes[#codes + 1] = string.format('"%s":%d', k, v) end
  io.write(string.format('wrk-result {"statuses":{%s},"requests":%d,"duration_us":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}}\n',
      table.concat(codes, ","), summary.requests, summary.duration,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      summary.errors.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
end
