-- wrk script for `make bench`: rotates over the requests listed in the file
-- named by $BENCH_TARGETS (one per line: METHOD, path and any extra
-- "Name: value" headers, separated by tabs; default: GET of the URL's path),
-- counts every answer that is not 2xx (wrk itself counts only >= 400) or that
-- carries an htmx error toast (a refused check answers 200), and prints, when
-- it is done, one JSON line of totals and one line with the latency quantiles.
-- Headers common to all requests (cookies, CSRF, X-Forwarded-Proto) come from
-- wrk's --header options.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests_list = {}
  local file = os.getenv("BENCH_TARGETS")
  if file and file ~= "" then
    for line in io.lines(file) do
      local cells = {}
      for cell in line:gmatch("[^\t]+") do table.insert(cells, cell) end
      if #cells >= 2 then
        local headers = {}
        for name, value in pairs(wrk.headers) do headers[name] = value end
        for i = 3, #cells do
          local name, value = cells[i]:match("^([^:]+):%s*(.*)$")
          if name then headers[name] = value end
        end
        table.insert(requests_list, wrk.format(cells[1], cells[2], headers))
      end
    end
  end
  if #requests_list == 0 then
    table.insert(requests_list, wrk.format())
  end
  -- Threads start at different places, so that they do not move in step.
  cursor = thread_number * 7919
  not_2xx = 0
  first_bad = ""
end

function request()
  cursor = cursor + 1
  return requests_list[cursor % #requests_list + 1]
end

function response(status, headers, body)
  local trigger = headers["HX-Trigger"] or ""
  if status < 200 or status > 299 or trigger:find('"level": "error"', 1, true) then
    not_2xx = not_2xx + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. (headers["Location"] or "")
    end
  end
end

local function json_string(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_2xx")
    if first == "" then first = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"not_2xx": %d, "first_not_2xx": %s, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean,
    bad, json_string(first), e.connect, e.read, e.write, e.status, e.timeout))
  -- The latency distribution as quantiles (every 0.5 % up to p90, then every
  -- 0.1 %), so that several short runs can be merged into one distribution.
  local points = {}
  local function add(p)
    table.insert(points, string.format("%.1f:%d", p, latency:percentile(p)))
  end
  for i = 1, 180 do add(i * 0.5) end
  for i = 901, 1000 do add(i * 0.1) end
  io.write("BENCH_QUANTILES ", table.concat(points, ","), "\n")
end
