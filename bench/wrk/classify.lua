-- wrk script of bench/run, bench/explain and bench/cache: POSTs JPEG bodies and checks every answer.
-- The bodies (environment, read when the script loads):
--   BENCH_PHOTO     one JPEG, sent as is by every request (wrk's static request: no Lua per request)
--   BENCH_BODIES    JPEG files separated by "|", sent in turn instead (request n sends file n mod count)
--   BENCH_NONCE, BENCH_VARIANTS
--                   when either is set, BENCH_PHOTO is sent with a comment segment (FF FE, 2-byte length,
--                   text) inserted right after its SOI, the text holding BENCH_NONCE [run], the wrk thread
--                   and a counter: every body has new bytes (a new SHA-256) while its pixels, hence its
--                   decoding cost, stay the same. Request n of a thread sends variant n mod BENCH_VARIANTS
--                   [20000], so no body repeats while a thread sends fewer requests than that.
--   BENCH_EXPECT    the accepted top-1 labels, separated by "|"; empty or unset: any label
-- An answer counts as correct only when its status is 200 and it holds a top-1 label (an accepted one
-- when BENCH_EXPECT is set); everything else is counted as an error. Answers whose timings say
-- "cached": true are counted too.
-- done() prints one line "BENCH_JSON {...}" with the counts and the latency percentiles (µs).

local function read(path)
  local file = assert(io.open(path, "rb"))
  local bytes = file:read("*a")
  file:close()
  return bytes
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "image/jpeg"

local bodies_setting = os.getenv("BENCH_BODIES") or ""
local varied = bodies_setting == "" and (os.getenv("BENCH_NONCE") ~= nil or os.getenv("BENCH_VARIANTS") ~= nil)
if bodies_setting == "" and not varied then
  wrk.body = read(assert(os.getenv("BENCH_PHOTO"), "neither BENCH_BODIES nor BENCH_PHOTO is set"))
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
  for path in string.gmatch(bodies_setting, "[^|]+") do
    table.insert(prepared, wrk.format(nil, nil, nil, read(path)))
  end
  if varied then
    local photo = read(assert(os.getenv("BENCH_PHOTO"), "BENCH_NONCE or BENCH_VARIANTS without BENCH_PHOTO"))
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

-- Defined only when the bodies change from request to request: otherwise wrk sends its static request.
if bodies_setting ~= "" or varied then
  function request()
    local n = sent
    sent = sent + 1
    if #prepared > 0 then
      return prepared[n % #prepared + 1]
    end
    return wrk.format(nil, nil, nil, soi .. comment(n % variants) .. rest)
  end
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
