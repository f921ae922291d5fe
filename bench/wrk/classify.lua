-- wrk script of bench/run: POSTs one photo as the raw request body and checks every answer.
-- An answer counts as correct only when its status is 200 and its first "label" (the top-1
-- prediction) is one of the expected labels; everything else is counted as an error.
--   BENCH_PHOTO   the JPEG file to send
--   BENCH_EXPECT  the accepted top-1 labels, separated by "|"
-- done() prints one line "BENCH_JSON {...}" with the counts and the latency percentiles (µs).

local photo = assert(os.getenv("BENCH_PHOTO"), "BENCH_PHOTO is not set")
local file = assert(io.open(photo, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "image/jpeg"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = {}
  for label in string.gmatch(os.getenv("BENCH_EXPECT") or "", "[^|]+") do
    expected[label] = true
  end
  correct, wrong, failed, sample = 0, 0, 0, ""
end

function response(status, headers, answer)
  if status ~= 200 then
    failed = failed + 1
    if sample == "" then sample = status .. " " .. string.sub(answer or "", 1, 160) end
    return
  end
  local label = string.match(answer or "", '"label"%s*:%s*"([^"]*)"')
  if label ~= nil and expected[label] then
    correct = correct + 1
  else
    wrong = wrong + 1
    if sample == "" then sample = "200 " .. string.sub(answer or "", 1, 160) end
  end
end

local function quoted(text)
  return '"' .. string.gsub(text, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local correct_all, wrong_all, failed_all, sample_all = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    correct_all = correct_all + thread:get("correct")
    wrong_all = wrong_all + thread:get("wrong")
    failed_all = failed_all + thread:get("failed")
    if sample_all == "" then sample_all = thread:get("sample") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"correct":%d,"wrong":%d,"bad_status":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"sample":%s}\n',
    summary.requests, summary.duration, correct_all, wrong_all, failed_all,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    quoted(sample_all)))
end
