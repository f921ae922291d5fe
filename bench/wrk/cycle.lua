-- wrk script of bench/cache: POSTs many different bodies, request after request, and checks every answer.
-- Two ways to choose the bodies (BENCH_BODIES wins when both are set):
--   BENCH_BODIES    JPEG files separated by "|": sent in turn (request n sends file n mod count)
--   BENCH_PHOTO     one JPEG, sent with a comment segment (FF FE, 2-byte length, text) inserted right after
--                   its SOI: the text holds BENCH_NONCE, the wrk thread and a counter, so that every body
--                   has new bytes (a new SHA-256) while its pixels, hence its decoding cost, stay the same
--   BENCH_NONCE     distinguishes the runs of BENCH_PHOTO (a body of one run never repeats in another) [run]
--   BENCH_VARIANTS  bound of the counter: request n of a thread sends variant n mod BENCH_VARIANTS, so no
--                   body repeats while a thread sends fewer requests than this [20000]
--   BENCH_EXPECT    the accepted top-1 labels, separated by "|"; empty or unset: any label
-- An answer counts as correct only when its status is 200 and it holds a top-1 label (an accepted one
-- when BENCH_EXPECT is set); everything else is counted as an error. Answers whose timings say
-- "cached": true are counted too.
-- done() prints one line "BENCH_JSON {...}" with the counts and the latency percentiles (µs), the
-- fields of classify.lua's and "cached".

wrk.method = "POST"
wrk.headers["Content-Type"] = "image/jpeg"

local function read(path)
  local file = assert(io.open(path, "rb"))
  local bytes = file:read("*a")
  file:close()
  return bytes
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  expected, any_label = {}, true
  for label in string.gmatch(os.getenv("BENCH_EXPECT") or "", "[^|]+") do
    expected[label], any_label = true, false
  end
  correct, wrong, failed, cached, sample = 0, 0, 0, 0, ""
  sent = 0
  prepared = {}
  for path in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^|]+") do
    table.insert(prepared, wrk.format(nil, nil, nil, read(path)))
  end
  if #prepared == 0 then
    local photo = read(assert(os.getenv("BENCH_PHOTO"), "neither BENCH_BODIES nor BENCH_PHOTO is set"))
    assert(string.sub(photo, 1, 2) == "\255\216", "BENCH_PHOTO is not a JPEG (no SOI)")
    soi, rest = string.sub(photo, 1, 2), string.sub(photo, 3)
    nonce = os.getenv("BENCH_NONCE") or "run"
    variants = tonumber(os.getenv("BENCH_VARIANTS") or "20000")
  end
end

-- The comment segment of variant `n`: FF FE, its length (2 bytes, big-endian, counting themselves), text.
local function comment(n)
  local text = string.format("hublot-bench %s %d %09d", nonce, id, n)
  local length = #text + 2
  return "\255\254" .. string.char(math.floor(length / 256), length % 256) .. text
end

function request()
  local n = sent
  sent = sent + 1
  if #prepared > 0 then
    return prepared[n % #prepared + 1]
  end
  return wrk.format(nil, nil, nil, soi .. comment(n % variants) .. rest)
end

function response(status, headers, answer)
  if status ~= 200 then
    failed = failed + 1
    if sample == "" then sample = status .. " " .. string.sub(answer or "", 1, 160) end
    return
  end
  local label = string.match(answer or "", '"label"%s*:%s*"([^"]*)"')
  if label ~= nil and (any_label or expected[label]) then
    correct = correct + 1
  else
    wrong = wrong + 1
    if sample == "" then sample = "200 " .. string.sub(answer or "", 1, 160) end
  end
  if string.find(answer or "", '"cached"%s*:%s*true') then
    cached = cached + 1
  end
end

local function quoted(text)
  return '"' .. string.gsub(text, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local correct_all, wrong_all, failed_all, cached_all, sample_all = 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    correct_all = correct_all + thread:get("correct")
    wrong_all = wrong_all + thread:get("wrong")
    failed_all = failed_all + thread:get("failed")
    cached_all = cached_all + thread:get("cached")
    if sample_all == "" then sample_all = thread:get("sample") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"correct":%d,"wrong":%d,"bad_status":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"cached":%d,"sample":%s}\n',
    summary.requests, summary.duration, correct_all, wrong_all, failed_all,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    cached_all, quoted(sample_all)))
end
