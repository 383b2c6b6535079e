// The inspector: the live feed over a WebSocket, the detail of an entry, its actions, and the
// views of tenants, campaigns, dead letters and the clock. Plain script: no build step.
"use strict";

(function () {
  var body = document.body;
  var CSRF = body.dataset.csrf;
  var VIEWER = body.dataset.viewer;
  var TEST_MODE = body.dataset.testMode === "true";
  var MAX_ROWS = 2000;
  var state = document.getElementById("state");
  var rows = document.querySelector("#feed tbody");
  var detail = document.getElementById("detail");
  var items = {};
  var restoredNote = "";  // said after a snapshot restore replaced what the list showed
  var socket = null;
  var retry = 0;
  var cursorKey = "cglu-feed-cursor";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function setState(name) { state.dataset.state = name; state.textContent = name; }
  function api(method, path, payload) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = CSRF; }
    if (payload !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(payload); }
    return fetch(path, opts).then(function (r) {
      return r.text().then(function (t) {
        var data; try { data = JSON.parse(t); } catch (e) { data = t; }
        if (!r.ok) { throw (data && data.message) ? data : { message: "HTTP " + r.status }; }
        return data;
      });
    });
  }
  function pretty(value) {
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "object" && value.json !== undefined) { return JSON.stringify(value.json, null, 2); }
    if (typeof value === "object" && value.text !== undefined) { return value.text; }
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text); }
    var area = el("textarea", {}); area.value = text; document.body.appendChild(area);
    area.select(); try { document.execCommand("copy"); } catch (e) { /* shown anyway */ }
    area.remove();
  }

  // ---- filters and the feed ------------------------------------------------------------
  function filterQuery() {
    var form = document.getElementById("filters");
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (f) {
      if (f.name && f.value) { params.set(f.name, f.value); }
    });
    return params;
  }
  function exportLinks() {
    ["json", "csv", "har"].forEach(function (fmt) {
      var q = filterQuery(); q.delete("kinds"); q.set("format", fmt);
      document.getElementById("export-" + fmt).href = "/_sandbox/export?" + q.toString();
    });
  }
  function connect(fresh) {
    if (socket) { socket.onclose = null; socket.close(); }
    var q = filterQuery();
    var cursor = fresh ? null : sessionStorage.getItem(cursorKey);
    if (cursor) { q.set("cursor", cursor); } else { q.set("backfill", "200"); }
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/_sandbox/feed?" + q.toString());
    setState(retry ? "reconnecting" : "connecting");
    socket.onopen = function () { retry = 0; };
    socket.onmessage = function (msg) {
      var frame = JSON.parse(msg.data);
      if (frame.cursor) { sessionStorage.setItem(cursorKey, frame.cursor); }
      if (frame.type === "hello") {
        var r = frame.retention || {};
        document.getElementById("retention").textContent = restoredNote + (frame.oldest
          ? "Oldest entry kept: " + frame.oldest + " (retention: " + r.maxAgeDays + " days, " + r.maxEntries + " entries; older ones were pruned)"
          : "Nothing recorded yet: traffic appears here as it arrives.");
      } else if (frame.type === "batch") {
        frame.items.forEach(add);
        if (state.dataset.state !== "live") { setState("catching up"); }
      } else if (frame.type === "caught_up") {
        setState("live");
      } else if (frame.type === "behind") {
        setState("reconnecting");
      } else if (frame.type === "restored") {
        // The state was replaced by a snapshot: the list starts over from the restored journal.
        var snap = frame.snapshot || {};
        restoredNote = "State restored from snapshot " + snap.name + " at " + snap.at + ". ";
        rows.textContent = ""; items = {};
        sessionStorage.removeItem(cursorKey);
        socket.onclose = null;
        retry = 0;
        setTimeout(function () { connect(true); }, 100);
      }
    };
    socket.onclose = function () {
      setState("disconnected");
      retry = Math.min(retry + 1, 6);
      setTimeout(function () { connect(false); }, 500 * Math.pow(2, retry - 1));
    };
  }
  function describe(item) {
    if (item.kind === "request") {
      var named = item.eventName ? item.eventName + (item.event ? " " + item.event : "") : item.event;
      return item.method + " " + item.path + (named ? " · " + named : "");
    }
    if (item.kind === "draw") { return item.campaign + " #" + item.seq + " roll " + item.roll + " → " + (item.variant || "no reward"); }
    if (item.kind === "attempt") { return item.deliveryKind + " try " + item.n + " (" + item.trigger + ") → " + (item.status || item.errorClass); }
    if (item.kind === "clock") { return "clock moved: " + JSON.stringify(item.state); }
    return item.kind;
  }
  function add(item) {
    var key = item.kind + ":" + item.id + (item.kind === "clock" ? Date.now() : "");
    if (items[key]) { return; }
    items[key] = item;
    var tr = el("tr", { "data-key": key, "data-kind": item.kind, "data-id": item.id }, [
      el("td", { text: (item.ts || "").replace("T", " ").replace("Z", "") }),
      el("td", { text: item.kind }),
      el("td", { text: (item.tenant || "").slice(0, 8) }),
      el("td", { text: describe(item) }),
      el("td", { text: (item.user || "") + (item.user && /user:claimed/.test(item.attribution || "") ? " (claimed)" : ""), title: item.attribution || "" }),
      el("td", { text: item.status === undefined || item.status === null ? "" : String(item.status) }),
      el("td", { text: item.auth ? item.auth + (item.reason ? " · " + item.reason : "") : "" }),
      el("td", { text: (item.flags || []).join(", ") })
    ]);
    if (item.auth === "fail" || (item.kind === "attempt" && item.errorClass)) { tr.className = "fail"; }
    tr.addEventListener("click", function () { select(tr, item); });
    rows.insertBefore(tr, rows.firstChild);
    while (rows.children.length > MAX_ROWS) { rows.removeChild(rows.lastChild); }
  }

  // ---- the detail pane -----------------------------------------------------------------
  function section(title, content) {
    detail.appendChild(el("h3", { text: title }));
    detail.appendChild(content);
  }
  function kv(obj) {
    var table = el("table", {});
    Object.keys(obj || {}).forEach(function (k) {
      table.appendChild(el("tr", {}, [el("th", { text: k }), el("td", { text: String(obj[k]) })]));
    });
    return table;
  }
  function select(tr, item) {
    Array.prototype.forEach.call(rows.querySelectorAll(".selected"), function (r) { r.classList.remove("selected"); });
    tr.classList.add("selected");
    detail.textContent = "";
    if (item.kind !== "request") {
      section(item.kind, el("pre", { text: JSON.stringify(item, null, 2) }));
      if (item.kind === "attempt") {
        api("GET", "/_sandbox/deliveries/" + encodeURIComponent(item.delivery)).then(function (d) {
          section("delivery " + d.deliveryId + " · " + d.status, el("pre", { text: d.schedule + "\n" + (d.decision || "") }));
          section("attempts", el("pre", { "data-testid": "attempts", text: JSON.stringify(d.attemptList, null, 2) }));
        });
      }
      return;
    }
    var id = item.id;
    api("GET", "/_sandbox/journal/" + encodeURIComponent(id)).then(function (e) {
      section(e.method + " " + e.path + " → " + e.status, kv({ request: e.request_id, time: e.ts, tenant: e.tenant_id || "", user: e.user_id || "", latency: e.latency_ms + " ms", auth: (e.auth_result || "") + " " + (e.auth_reason || "") }));
      if (e.checks && e.checks.length) {
        var t = el("table", { "data-testid": "checks" }, [el("tr", {}, [el("th", { text: "check" }), el("th", { text: "result" }), el("th", { text: "expected" }), el("th", { text: "got" })])]);
        e.checks.forEach(function (c) {
          var row = el("tr", { "class": c.result === "fail" ? "check-fail" : "" }, [el("td", { text: c.name }), el("td", { text: c.result }), el("td", { text: c.expected || "" }), el("td", { text: c.got || "" })]);
          t.appendChild(row);
        });
        section("auth checks", t);
      }
      section("request headers", el("pre", { text: JSON.stringify(e.headers, null, 2) }));
      section("request body", el("pre", { "data-testid": "request-body", text: pretty(e.body) }));
      section("response headers", el("pre", { text: JSON.stringify(e.response_headers, null, 2) }));
      section("response body", el("pre", { "data-testid": "response-body", text: pretty(e.response_body) }));
      var actions = el("div", { "class": "actions" });
      section("actions", actions);
      var out = el("pre", { "data-testid": "action-output", text: "" });
      detail.appendChild(out);
      // The admin copies a cURL that works (its credentials in clear); a viewer's stays masked.
      var reveal = VIEWER ? "" : "?reveal=true";
      api("GET", "/_sandbox/journal/" + encodeURIComponent(id) + "/curl" + reveal).then(function (c) {
        detail.insertBefore(el("p", { "class": "muted", "data-testid": "digest", text: "body " + c.bodySize + " bytes · sha256 " + c.bodySha256 + (c.truncated ? " (of what was kept: the body was truncated)" : "") }), actions.previousSibling);
        var b1 = el("button", { type: "button", "data-action": "curl", text: "Copy as cURL" });
        b1.addEventListener("click", function () { copy(c.curl); out.textContent = c.curl; out.dataset.curl = c.curl; });
        actions.appendChild(b1);
        if (c.corrected) {
          var b2 = el("button", { type: "button", "data-action": "corrected", text: "Corrected cURL" });
          b2.addEventListener("click", function () { copy(c.corrected); out.textContent = "# " + c.fix + "\n" + c.corrected; out.dataset.curl = c.corrected; });
          actions.appendChild(b2);
        } else if (e.auth_result === "fail") {
          actions.appendChild(el("span", { "class": "muted", text: c.fix }));
        }
      });
      var b3 = el("button", { type: "button", "data-action": "replay", text: "Replay" });
      b3.addEventListener("click", function () {
        api("POST", "/_sandbox/journal/" + encodeURIComponent(id) + "/replay").then(function (r) {
          out.textContent = "replayed as " + r.requestId + " → " + r.status + "\n" + r.body;
        }, function (err) { out.textContent = err.message; });
      });
      actions.appendChild(b3);
      api("GET", "/_sandbox/journal/" + encodeURIComponent(id) + "/timeline").then(function (t) {
        var list = el("ol", { "class": "timeline", "data-testid": "timeline" });
        t.steps.forEach(function (s) {
          var text = s.step + ": " + Object.keys(s).filter(function (k) { return k !== "step"; }).map(function (k) { return k + "=" + (typeof s[k] === "object" ? JSON.stringify(s[k]) : s[k]); }).join(" ");
          list.appendChild(el("li", { text: text }));
        });
        section("timeline", list);
      });
    }, function (err) { detail.textContent = err.message; });
  }

  // ---- the other views -----------------------------------------------------------------
  function table(head, data, row) {
    var t = el("table", {}, [el("tr", {}, head.map(function (h) { return el("th", { text: h }); }))]);
    data.forEach(function (d) { t.appendChild(row(d)); });
    return t;
  }
  var loaders = {
    tenants: function (box) {
      api("GET", "/_sandbox/tenants").then(function (r) {
        box.appendChild(table(["name", "id", "writeKey", "webhook secret", ""], r.tenants, function (t) {
          var b = el("button", { type: "button", text: "Copy writeKey" });
          b.addEventListener("click", function () { copy(t.writeKey); });
          return el("tr", {}, [el("td", { text: t.name }), el("td", { text: t.id }), el("td", { text: t.writeKey.slice(0, 6) + "…" }), el("td", { text: t.webhookSecret }), el("td", {}, [b])]);
        }));
      });
    },
    campaigns: function (box) {
      api("GET", "/_sandbox/tenants").then(function (r) {
        r.tenants.forEach(function (t) {
          api("GET", "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/campaigns").then(function (c) {
            box.appendChild(el("h3", { text: t.name }));
            c.campaigns.forEach(function (camp) {
              box.appendChild(el("p", { text: camp.campaignId + " · " + camp.type + " · no reward " + camp.noRewardChance + " %" }));
              box.appendChild(table(["variant", "chance %", "coupons left", "wins"], camp.variants, function (v) {
                return el("tr", {}, [el("td", { text: v.name }), el("td", { text: String(v.chance) }), el("td", { text: v.couponsLeft === null ? "no pool" : String(v.couponsLeft) }), el("td", { text: String(v.wins) })]);
              }));
            });
          });
        });
      });
    },
    deliveries: function (box) {
      api("GET", "/_sandbox/deliveries?status=failed&limit=200").then(function (r) {
        if (!r.deliveries.length) { box.appendChild(el("p", { text: "No dead letters." })); return; }
        box.appendChild(table(["delivery", "kind", "user", "tries", "last error", ""], r.deliveries, function (d) {
          var cell = el("td", {});
          if (!VIEWER) {
            var b = el("button", { type: "button", text: "Retry now" });
            b.addEventListener("click", function () {
              api("POST", "/_sandbox/deliveries/" + encodeURIComponent(d.deliveryId) + "/resend", {}).then(function (x) { b.textContent = x.status; });
            });
            cell.appendChild(b);
          }
          return el("tr", {}, [el("td", { text: d.deliveryId }), el("td", { text: d.kind }), el("td", { text: d.userId || "" }), el("td", { text: String(d.attempts) }), el("td", { text: d.lastError || "" }), cell]);
        }));
      });
    },
    clock: function (box) {
      api("GET", "/_sandbox/clock").then(function (c) {
        box.appendChild(el("p", { "data-testid": "clock-now", text: "now " + c.now + (c.virtual ? " (virtual, offset " + c.offset + " s)" : " (real)") }));
        if (TEST_MODE && !VIEWER) {
          var input = el("input", { type: "number", min: "0", value: "60" });
          var b = el("button", { type: "button", text: "Advance (seconds)" });
          b.addEventListener("click", function () {
            api("POST", "/_sandbox/clock/advance", { seconds: Number(input.value) }).then(function () { box.textContent = ""; loaders.clock(box); });
          });
          box.appendChild(el("p", {}, [input, b]));
        }
      });
    },
    onboarding: function (box) {
      // The client kit's latest run, graded now from the journal; "Grade again" after the client ran.
      function clientKit(t, into) {
        api("GET", "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/client-checks").then(function (r) {
          into.textContent = "";
          var g = r.latest;
          if (!g) { into.appendChild(el("p", { text: "Client kit: not run yet." })); return; }
          var again = el("button", { type: "button", text: "Grade again" });
          again.addEventListener("click", function () { clientKit(t, into); });
          into.appendChild(el("p", {}, ["Client kit run " + g.runId + " since " + g.startedAt + " (" + g.requests + " requests): ", el("strong", { text: g.passed ? "no check failed" : "failed" }), " ", again]));
          into.appendChild(table(["check", "result", "notes"], g.results, function (c) {
            return el("tr", { "class": c.result === "fail" ? "fail" : "", "data-check": c.check }, [el("td", { text: c.title }), el("td", { text: c.result.replace("_", " ") }), el("td", { text: c.notes.join("; ") })]);
          }));
        }, function (err) { into.textContent = err.message; });
      }
      api("GET", "/_sandbox/tenants").then(function (r) {
        r.tenants.forEach(function (t) {
          api("GET", "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/onboarding").then(function (o) {
            var head = el("h3", { "data-testid": "onboarding-" + t.id, text: t.name + ": " + (o.ready ? "ready" : "not ready yet") + " · " + (o.businessDays || 0) + " of " + o.targetBusinessDays + " business days" });
            box.appendChild(head);
            o.steps.forEach(function (s) {
              box.appendChild(el("p", { text: "Step " + s.step + ": " + s.name + (s.done ? " ✔" : " …") }));
              box.appendChild(table(["item", "done", "first seen", "last seen", "evidence / next"], s.items, function (i) {
                var last = el("td", {});
                if (i.evidence) { last.appendChild(el("a", { href: i.evidence, text: i.evidence })); } else { last.textContent = i.next || ""; }
                return el("tr", { "class": i.done ? "" : "fail", "data-item": i.id }, [el("td", { text: i.what }), el("td", { text: i.done ? "yes" : "no" }), el("td", { text: i.firstSeen || "" }), el("td", { text: i.lastSeen || "" }), last]);
              }));
            });
            var actions = el("p", { "class": "actions" }, [el("a", { href: "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/readiness?format=html", text: "Readiness report" })]);
            if (!VIEWER) {
              var kit = el("button", { type: "button", text: "Run the conformance kit" });
              var out = el("pre", {});
              kit.addEventListener("click", function () {
                out.textContent = "running...";
                api("POST", "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/conformance").then(function (k) {
                  out.textContent = k.results.map(function (c) { return (c.passed ? "pass " : "FAIL ") + c.case + (c.note ? ": " + c.note : ""); }).join("\n");
                }, function (err) { out.textContent = err.message; });
              });
              actions.appendChild(kit);
              var start = el("button", { type: "button", text: "Start the client kit" });
              start.addEventListener("click", function () {
                api("POST", "/_sandbox/tenants/" + encodeURIComponent(t.id) + "/client-checks").then(function () { clientKit(t, clientBox); }, function (err) { clientBox.textContent = err.message; });
              });
              actions.appendChild(start);
              box.appendChild(actions);
              box.appendChild(out);
            } else {
              box.appendChild(actions);
            }
            var clientBox = el("div", { "data-testid": "client-kit-" + t.id });
            box.appendChild(clientBox);
            clientKit(t, clientBox);
          });
        });
      });
    },
    received: function () {}
  };
  document.getElementById("received-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = new URLSearchParams();
    Array.prototype.forEach.call(ev.target.elements, function (f) { if (f.name && f.value) { q.set(f.name, f.value); } });
    var box = document.getElementById("received-answer");
    api("GET", "/_sandbox/received?" + q.toString()).then(function (r) {
      box.textContent = "";
      box.appendChild(el("h3", { "data-testid": "answer", text: r.answer }));
      function link(url, text) { return el("a", { href: url.replace(/^https?:\/\/[^/]+/, ""), target: "_blank", rel: "noopener", text: text }); }
      function refusals(list) {
        return el("ul", {}, list.map(function (x) {
          var who = x.userId ? " for " + x.userId + (/user:claimed/.test(x.attribution || "") ? " (claimed)" : "") : "";
          return el("li", { "data-testid": "refusal" }, [
            el("strong", { text: x.status + " " + (x.reason || "") }), " at " + x.at + who + ": " + (x.hint || "") + " ",
            link(x.journal, "journal entry")
          ]);
        }));
      }
      r.events.forEach(function (e) {
        var head = (e.eventName ? e.eventName + " " : "") + (e.eventId || "(no event id)") + (e.userId ? " · " + e.userId : "");
        var card = el("section", { "class": "card", "data-case": e.case }, [el("h4", { text: head + ": " + e.case })]);
        if (e.case === "received") {
          card.appendChild(el("p", {}, [
            "received at " + e.receivedAt + (e.valid ? " (valid)" : " (invalid: " + e.problems.join("; ") + ")") +
            (e.duplicates ? ", " + e.duplicates + " duplicate(s)" : "") + " ",
            link(e.journal, "journal entry")
          ]));
        }
        if (e.refused && e.refused.length) { card.appendChild(refusals(e.refused)); }
        box.appendChild(card);
      });
      if (r.candidates) {
        var near = r.candidates, parts = [];
        (near.sameEventOtherUser || []).forEach(function (c) { parts.push(el("li", {}, ["the same event id for " + c.userId + " at " + c.at + " ", link(c.journal, "entry")])); });
        (near.sameUserOtherEvents || []).forEach(function (c) { parts.push(el("li", {}, ["the user's " + (c.eventName || "") + " " + c.eventId + " at " + c.at + " ", link(c.journal, "entry")])); });
        box.appendChild(el("section", { "class": "card", "data-case": "not_seen" }, [el("h4", { text: "not seen; nearest:" }), el("ul", {}, parts)]));
        if (near.refusedForUser && near.refusedForUser.length) { box.appendChild(refusals(near.refusedForUser)); }
      }
      if (r.more) {
        var next = new URLSearchParams(q); next.set("before", r.more.before);
        box.appendChild(el("p", {}, [link("/_sandbox/received?" + next.toString(), "more (older)")]));
      }
    }, function (err) { box.textContent = err.message; });
  });
  Array.prototype.forEach.call(document.querySelectorAll("nav button"), function (b) {
    b.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll("nav button"), function (x) { x.classList.remove("active"); });
      b.classList.add("active");
      Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (t) { t.hidden = t.id !== "tab-" + b.dataset.tab; });
      var box = document.getElementById(b.dataset.tab);
      if (box && loaders[b.dataset.tab]) { box.textContent = ""; loaders[b.dataset.tab](box); }
    });
  });
  document.getElementById("filters").addEventListener("submit", function (ev) {
    ev.preventDefault();
    rows.textContent = ""; items = {};
    sessionStorage.removeItem(cursorKey);
    exportLinks();
    connect(true);
  });
  exportLinks();
  connect(false);
})();
