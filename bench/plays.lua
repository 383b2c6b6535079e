-- wrk script: one play per request through the admin API (test mode), users rotating.
-- usage: wrk ... -s plays.lua http://127.0.0.1:PORT/_sandbox/tenants/<tenant>/plays -- CAMPAIGN KEY
local campaign
local counter = 0
function init(args)
  campaign = assert(args[1], "usage: -- CAMPAIGN KEY")
end

function request()
  counter = counter + 1
  local body = string.format('{"userId":"bench-%d","campaignId":"%s","count":1}', counter % 997, campaign)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["X-Sandbox-Admin-Token"] = "bench-admin"}, body)
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")
