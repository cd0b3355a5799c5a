-- wrk script: POST the survey form with a fresh submission key on every request.
local body = os.getenv("PINGYI_BENCH_BODY")
local path = os.getenv("PINGYI_BENCH_PATH")
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Cookie"] = os.getenv("PINGYI_BENCH_COOKIE"),
}
local counter = 0
-- Unique per wrk run (PINGYI_BENCH_RUN) and per thread (each thread has its own Lua state,
-- so a fresh table's address differs), so that no key repeats and every request stores.
local tag = os.getenv("PINGYI_BENCH_RUN") .. "-" .. tostring({}):gsub("table: ", "")

request = function()
  counter = counter + 1
  return wrk.format("POST", path, headers, body .. "&key=" .. tag .. "-" .. counter)
end

done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"errors_status\": %d, \"errors_connect\": %d, \"errors_read\": %d, \"errors_write\": %d, \"errors_timeout\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max))
end
