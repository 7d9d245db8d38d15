-- wrk script of the download benchmark (bench/common.py: wrk()).
-- Each request comes from a random client address behind the reverse proxy (the API throttles
-- per address) and, when tokens are given after `--`, signs in with one of them at random.
-- The summary is printed as one JSON line for the benchmark to read.

local tokens = {}

function init(args)
  for i, token in ipairs(args) do
    tokens[i] = token
  end
  -- Each wrk thread has its own Lua state: seed each differently.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254)
  )
  if #tokens > 0 then
    headers["Authorization"] = "Token " .. tokens[math.random(#tokens)]
  end
  return wrk.format(nil, nil, headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "status_errors": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)
  ))
end
