-- wrk script: POST the survey form with a fresh submission key on every request.
--
-- PINGYI_BENCH_BODY, _PATH, _COOKIE: the form; PINGYI_BENCH_RUN: a tag unique to the run, so
-- that no key repeats. With PINGYI_BENCH_RECEIPTS set (a file name), every 303's receipt (from
-- its Set-Cookie) is written there at the end, one a line, for the benchmark to look up in the
-- database. Parsing the responses costs wrk some CPU, so the baseline runs without it: that
-- can only understate Pingyi's share of the baseline.
local body = os.getenv("PINGYI_BENCH_BODY")
local path = os.getenv("PINGYI_BENCH_PATH")
local receipts_file = os.getenv("PINGYI_BENCH_RECEIPTS")
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Cookie"] = os.getenv("PINGYI_BENCH_COOKIE"),
}
local counter = 0
-- Unique per wrk run (PINGYI_BENCH_RUN) and per thread (each thread has its own Lua state,
-- so a fresh table's address differs), so that no key repeats and every request stores.
local tag = os.getenv("PINGYI_BENCH_RUN") .. "-" .. tostring({}):gsub("table: ", "")
local threads = {}
receipts = {}
acknowledged = 0

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  return wrk.format("POST", path, headers, body .. "&key=" .. tag .. "-" .. counter)
end

if receipts_file and receipts_file ~= "" then
  response = function(status, headers, body)
    if status ~= 303 then
      return
    end
    acknowledged = acknowledged + 1
    for name, value in pairs(headers) do
      if string.lower(name) == "set-cookie" then
        -- pyr="<time>:<receipt>.<signature>" or pyd<survey>=<receipt>.<signature>
        local receipt = string.match(value, "[:=](%w%w%w%w%w%-%w%w%w%w%w)%.")
        if receipt then
          receipts[#receipts + 1] = receipt
          return
        end
      end
    end
    receipts[#receipts + 1] = "MISSING"
  end
end

done = function(summary, latency, requests)
  local seen = 0
  if receipts_file and receipts_file ~= "" then
    local out = io.open(receipts_file, "w")
    for _, thread in ipairs(threads) do
      seen = seen + thread:get("acknowledged")
      for _, receipt in ipairs(thread:get("receipts")) do
        out:write(receipt, "\n")
      end
    end
    out:close()
  end
  io.write(string.format("JSON {\"requests\": %d, \"errors_status\": %d, \"errors_connect\": %d, \"errors_read\": %d, \"errors_write\": %d, \"errors_timeout\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"seen_303\": %d}\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, seen))
end
