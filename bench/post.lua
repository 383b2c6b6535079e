-- wrk script: POST one valid JSON event per request to /server/v4, each with a unique event_id.
-- usage: wrk -t2 -c32 -d10s --latency -s post.lua http://127.0.0.1:PORT/server/v4 -- NONCE KEY
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local nonce = "00000000"
local counter = 0
function init(args)
  if args[1] then nonce = args[1] end
  wrk.headers["x-api-key"] = assert(args[2], "usage: -- NONCE KEY (the harness passes it)")
  counter = 0
end

local fmt = '{"event_id":"%s-%04x-4000-8000-%012x","event_name":"completePurchase",' ..
            '"user_id":"u%d","timestamp":"2026-11-27T10:00:00Z",' ..
            '"event_properties":{"amount":500,"currency":"INR"}}'

function request()
  counter = counter + 1
  local body = string.format(fmt, nonce, tid, counter, counter % 1000)
  return wrk.format(nil, nil, nil, body)
end

-- done(): the WRKJSON line, from the script beside this one
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")
