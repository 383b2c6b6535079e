-- wrk script: a mix of requests the sandbox rejects with an explained 401, one kind per request.
-- usage: wrk ... -s rejected.lua http://127.0.0.1:PORT/server/v4 -- NONCE KEY
local key
local counter = 0
function init(args)
  key = assert(args[2], "usage: -- NONCE KEY (the harness passes the demo writeKey)")
end

local body = '{"event_id":"rej","event_name":"completePurchase","user_id":"u1",' ..
             '"timestamp":"2026-11-27T10:00:00Z","event_properties":{}}'

function request()
  counter = counter + 1
  local kind = counter % 6
  local headers = {["Content-Type"] = "application/json"}
  if kind == 0 then                       -- writekey_missing
  elseif kind == 1 then headers["x-api-key"] = "no-such-key-000000000000"      -- unknown
  elseif kind == 2 then headers["x-api-key"] = string.sub(key, 1, 30)          -- truncated
  elseif kind == 3 then headers["x-api-key"] = '"' .. key .. '"'               -- quoted
  elseif kind == 4 then headers["Authorization"] = key                         -- wrong place
  else headers["x-api-key"] = string.sub(key, 1, 10) .. "X" .. string.sub(key, 12) -- typo
  end
  return wrk.format("POST", nil, headers, body)
end

-- done(): the WRKJSON line, from the script beside this one
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")
