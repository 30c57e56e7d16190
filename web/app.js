// PainStream nurse station: a reference dashboard built only on the public MQTT contract (README "Pain alerts for
// dashboard authors"), plus the daemon's read-only history and replay API for the tuning page. No build step.
/* global mqtt, uPlot */
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const PRIORITY_RANK = { high: 3, medium: 2, low: 1 };
  const REPLY_TIMEOUT_MS = Number(params.get('replyTimeoutMs') || 10000);
  const CHART_WINDOW_S = 600;

  const state = {
    prefix: params.get('prefix') || 'painstream',
    history: false,
    connected: false,
    connectError: null,
    available: null,
    cameras: new Map(), // camera -> status payload
    beds: new Map(), // "cam/bed" -> { camera, bed, alert, score, info, series }
    seen: new Set(), // "id:seq" of alert events
    episodes: new Map(), // id -> { first, last, escalations: [] }
    skipped: 0,
    pending: new Map(), // correlation hex -> { resolve, timer }
    client: null,
    user: params.get('user') || sessionStorage.getItem('ps-user') || '',
    password: sessionStorage.getItem('ps-password') || '',
    bedView: null,
    chart: null,
  };
  window.painstream = state; // for the browser tests and curious integrators

  // ---------- formatting ----------
  const fmtTime = (iso) => {
    const d = typeof iso === 'number' ? new Date(iso) : new Date(iso);
    return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  };
  const fmtDateTime = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  };
  const num = (v, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c.nodeType ? c : String(c));
    return e;
  };
  const REASONS = { pain: 'Pain', camera_offline: 'Camera offline', face_not_visible: 'Face not visible', scorer_failed: 'Scorer failed' };
  const reasonText = (r) => REASONS[r] || r;
  $('tz').textContent = 'Times in ' + (Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time');

  // ---------- payload checks: anything unexpected is skipped and counted, never thrown ----------
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const isStr = (v) => typeof v === 'string' && v.length > 0;
  const isNumOrNull = (v) => v === null || v === undefined || (typeof v === 'number' && Number.isFinite(v));
  function validEvent(e) {
    return isObj(e) && isStr(e.id) && typeof e.seq === 'number' && ['new', 'update', 'end'].includes(e.type)
      && ['low', 'medium', 'high'].includes(e.priority) && isStr(e.camera) && isStr(e.bed) && isStr(e.reason)
      && isStr(e.ts) && isNumOrNull(e.score) && isNumOrNull(e.peak);
  }
  function validBedAlert(a) {
    return isObj(a) && (a.state === 'none' || a.state === 'active') && typeof a.seq === 'number'
      && (a.episode === undefined || a.episode === null || validEvent(a.episode))
      && (a.technical === undefined || a.technical === null || (Array.isArray(a.technical) && a.technical.every(validEvent)));
  }
  function validScore(s) {
    return isObj(s) && isStr(s.ts) && isNumOrNull(s.pspi) && isNumOrNull(s.smoothed) && isStr(s.level) && typeof s.confidence === 'number';
  }
  function validStatus(s) { return isObj(s) && ['online', 'offline', 'disabled'].includes(s.state); }
  function validReply(r) { return isObj(r) && typeof r.command === 'string' && typeof r.ok === 'boolean'; }
  function skip(topic, why) {
    state.skipped++;
    $('skipped').textContent = `${state.skipped} malformed message${state.skipped === 1 ? '' : 's'} skipped (last: ${topic}: ${why})`;
  }
  function parseJson(topic, payload) {
    try { return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)); } catch (e) { skip(topic, 'not JSON'); return undefined; }
  }

  // ---------- connection ----------
  async function start() {
    let info = null;
    if (location.protocol !== 'file:') {
      try {
        const r = await fetch('api/dashboard', { cache: 'no-store' });
        if (r.ok) info = await r.json();
      } catch (e) { /* served by another web server: ?broker= is needed */ }
    }
    if (info) { state.prefix = params.get('prefix') || info.prefix || state.prefix; state.history = !!info.history; }
    let url = params.get('broker') || (info && info.brokerUrl);
    if (!url && info && info.mqttPath) url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + info.mqttPath;
    if (!url) { setConn(false, 'no broker address: open the page with ?broker=ws://host:port/path'); return; }
    state.url = url;
    if (params.get('login') === '1' && !state.user) { showLogin('This broker needs a user name.'); return; }
    connect();
  }

  function connect() {
    if (state.client) state.client.end(true);
    const options = {
      protocolVersion: 5,
      clientId: 'painstream-dash-' + Math.random().toString(16).slice(2, 10),
      reconnectPeriod: 2000,
      connectTimeout: 5000,
      clean: true,
      resubscribe: true,
    };
    if (state.user) { options.username = state.user; options.password = state.password; }
    const client = mqtt.connect(state.url, options);
    state.client = client;
    client.on('connect', () => {
      state.connectError = null;
      setConn(true);
      client.subscribe(`${state.prefix}/#`, { qos: 1 }, (err) => { if (err) setConn(true, 'subscribe refused: ' + err.message); });
    });
    client.on('reconnect', () => setConn(false, state.connectError || 'broker unreachable, retrying…'));
    client.on('close', () => setConn(false, state.connectError || 'connection to the broker lost, retrying…'));
    client.on('offline', () => setConn(false, state.connectError || 'broker unreachable, retrying…'));
    client.on('error', (err) => {
      const code = err && err.code;
      if (code === 4 || code === 5 || code === 134 || code === 135) {
        state.connectError = 'the broker refused the credentials';
        client.end(true);
        setConn(false, state.connectError);
        showLogin('The broker refused these credentials (' + err.message + ').');
        return;
      }
      state.connectError = 'broker error: ' + (err && err.message ? err.message : err);
      setConn(false, state.connectError);
    });
    client.on('message', onMessage);
  }

  function showLogin(reason) {
    $('login-reason').textContent = reason;
    $('login-user').value = state.user;
    $('login').hidden = false;
    $('login-user').focus();
  }
  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.user = $('login-user').value.trim();
    state.password = $('login-password').value;
    sessionStorage.setItem('ps-user', state.user);
    sessionStorage.setItem('ps-password', state.password);
    $('login').hidden = true;
    connect();
  });

  function setConn(connected, why) {
    state.connected = connected;
    if (!connected) state.available = state.available === 'online' ? null : state.available;
    $('conn-state').textContent = connected ? `connected as ${state.user || 'anonymous'}` : 'not connected';
    renderBanner(why);
  }

  function renderBanner(why) {
    let reason = null;
    if (!state.connected) reason = why || 'the broker is unreachable; retrying.';
    else if (state.available === null) reason = 'waiting for PainStream to report that it is online…';
    else if (state.available !== 'online') {
      reason = state.available === 'offline' ? 'the daemon is offline (it stopped unexpectedly or lost the network).'
        : state.available === 'stopped' ? 'the daemon was stopped.' : `the daemon reports "${state.available}".`;
    }
    $('banner').hidden = reason === null;
    $('banner-reason').textContent = reason || '';
  }

  // ---------- messages ----------
  function onMessage(topic, payload, packet) {
    try {
      const rest = topic.startsWith(state.prefix + '/') ? topic.slice(state.prefix.length + 1).split('/') : null;
      if (!rest) return;
      if (rest.length === 1 && rest[0] === 'available') {
        state.available = new TextDecoder().decode(payload);
        renderBanner();
        return;
      }
      if (rest.length === 1 && rest[0] === 'alerts') {
        const e = parseJson(topic, payload);
        if (e === undefined) return;
        if (!validEvent(e)) { skip(topic, 'not an alert event'); return; }
        onEvent(e);
        return;
      }
      if (rest.length === 1 && rest[0] === 'stats') return;
      if (rest.length === 2 && rest[1] === 'status') {
        if (payload.length === 0) { state.cameras.delete(rest[0]); renderWard(); return; }
        const s = parseJson(topic, payload);
        if (s === undefined) return;
        if (!validStatus(s)) { skip(topic, 'not a camera status'); return; }
        state.cameras.set(rest[0], s);
        renderWard();
        return;
      }
      if (rest.length === 2 && rest[1] === 'faces') return;
      if (rest.length === 3 && ['alert', 'score', 'reply'].includes(rest[2])) {
        const [camera, bed, kind] = rest;
        if (payload.length === 0) return; // a cleared retained topic
        const body = parseJson(topic, payload);
        if (body === undefined) return;
        if (kind === 'alert') {
          if (!validBedAlert(body)) { skip(topic, 'not a bed state'); return; }
          const b = bedOf(camera, bed);
          if (b.alert && body.seq < b.alert.seq) return; // older than what we have (contract: ignore lower seq)
          b.alert = body;
          for (const e of [body.episode, ...(body.technical || [])]) if (e) onEvent(e, true);
          renderWard();
          if (state.bedView === b.key) renderBed();
        } else if (kind === 'score') {
          if (!validScore(body)) { skip(topic, 'not a score'); return; }
          const b = bedOf(camera, bed);
          b.score = body;
          b.receivedAt = performance.now();
          pushPoint(b, body);
          scheduleWard(Date.parse(body.ts));
          if (state.bedView === b.key) renderBed(true);
        } else {
          if (!validReply(body)) { skip(topic, 'not a command reply'); return; }
          onReply(packet, body);
        }
        return;
      }
      // ack/snooze/baseline commands (ours and other stations') and unknown topics are not for display.
    } catch (err) {
      skip(topic, 'could not be shown: ' + err.message);
    }
  }

  function bedOf(camera, bed) {
    const key = camera + '/' + bed;
    let b = state.beds.get(key);
    if (!b) {
      b = { key, camera, bed, alert: null, score: null, info: null, series: [[], [], []] };
      state.beds.set(key, b);
    }
    return b;
  }

  function pushPoint(b, s) {
    const t = Date.parse(s.ts) / 1000;
    if (!Number.isFinite(t)) return;
    const [ts, raw, smooth] = b.series;
    if (ts.length && t <= ts[ts.length - 1]) return;
    ts.push(t); raw.push(s.pspi ?? null); smooth.push(s.smoothed ?? null);
    while (ts.length && ts[0] < t - CHART_WINDOW_S) { ts.shift(); raw.shift(); smooth.shift(); }
  }

  function onEvent(e, fromBedState = false) {
    const key = e.id + ':' + e.seq;
    if (state.seen.has(key)) return; // at-least-once delivery: (id, seq) is the dedupe key
    state.seen.add(key);
    let ep = state.episodes.get(e.id);
    const isNew = !ep;
    if (!ep) { ep = { id: e.id, first: e, last: e, escalations: [] }; state.episodes.set(e.id, ep); }
    if (e.seq >= ep.last.seq) {
      if (e.priority !== ep.last.priority && PRIORITY_RANK[e.priority] > PRIORITY_RANK[ep.last.priority]) {
        ep.escalations.push({ from: ep.last.priority, to: e.priority, ts: e.ts, cause: e.cause });
      }
      ep.last = e;
    }
    const bed = bedOf(e.camera, e.bed);
    if (e.snoozedUntil && (!bed.snoozedUntil || Date.parse(e.snoozedUntil) > Date.parse(bed.snoozedUntil))) bed.snoozedUntil = e.snoozedUntil;
    if (!fromBedState) {
      if (isNew && e.type === 'new' && e.reason === 'pain') announce(`Pain alert: ${e.camera} / ${e.bed}, priority ${e.priority}`);
      else if (e.type === 'update' && e.cause === 'escalation') announce(`Priority raised to ${e.priority}: ${e.camera} / ${e.bed}`);
      else if (e.type === 'update' && e.cause === 're_alert') announce(`Still in pain: ${e.camera} / ${e.bed}, priority ${e.priority}`);
    }
    renderAlerts();
  }

  let announceTimer = null;
  function announce(text) {
    const a = $('announce');
    a.textContent = text + ' — ' + fmtTime(Date.now());
    a.hidden = false;
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { a.hidden = true; }, 30000);
    if ($('sound').checked) beep();
  }
  let audio = null;
  function beep() {
    try {
      audio = audio || new AudioContext();
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = 880; g.gain.value = 0.15;
      o.connect(g).connect(audio.destination);
      o.start(); o.stop(audio.currentTime + 0.4);
    } catch (e) { /* no audio device */ }
  }

  // ---------- commands ----------
  function sendCommand(b, command, body, out) {
    const client = state.client;
    if (!client || !state.connected) { showReply(out, false, 'not connected to the broker'); return Promise.resolve(); }
    const corr = new Uint8Array(8);
    crypto.getRandomValues(corr);
    const hex = Array.from(corr, (x) => x.toString(16).padStart(2, '0')).join('');
    const topic = `${state.prefix}/${b.camera}/${b.bed}/${command}`;
    showReply(out, null, `sending ${command}…`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        state.pending.delete(hex);
        showReply(out, false, `${command}: no reply within ${REPLY_TIMEOUT_MS / 1000} s (is PainStream running, and may this account send it?)`);
        resolve();
      }, REPLY_TIMEOUT_MS);
      state.pending.set(hex, { out, command, timer, resolve });
      client.publish(topic, JSON.stringify(body), {
        qos: 1,
        properties: { correlationData: corr, responseTopic: `${state.prefix}/${b.camera}/${b.bed}/reply` },
      }, (err) => {
        if (err) {
          // MQTT 5: the broker answers a refused publish (ACL) with a PUBACK reason code, e.g. 135 "Not authorized".
          clearTimeout(timer);
          state.pending.delete(hex);
          const reason = /not authori[sz]ed/i.test(err.message) || err.code === 135 ? 'not authorized for this account' : err.message;
          showReply(out, false, `${command} refused by the broker: ${reason}`);
          resolve();
        }
      });
    });
  }

  function onReply(packet, body) {
    const corr = packet && packet.properties && packet.properties.correlationData;
    if (!corr) return;
    const hex = Array.from(new Uint8Array(corr), (x) => x.toString(16).padStart(2, '0')).join('');
    const p = state.pending.get(hex);
    if (!p) return;
    clearTimeout(p.timer);
    state.pending.delete(hex);
    showReply(p.out, body.ok, body.ok ? `${body.command}: done (${fmtTime(body.ts)})` : `${body.command} failed: ${body.error}`);
    p.resolve();
  }

  function showReply(out, ok, text) {
    if (!out) return;
    out.textContent = text;
    out.className = 'reply' + (ok === true ? ' ok' : ok === false ? ' err' : '');
  }

  const by = () => (state.user ? { by: state.user } : {});

  // ---------- ward overview ----------
  function bedView(b) {
    const s = b.score;
    const a = b.alert;
    const pain = a && a.state === 'active' && a.episode && a.episode.reason === 'pain' ? a.episode : null;
    const technical = (a && a.technical) || [];
    let stateName = 'none';
    if (pain) stateName = s && s.level === 'ending' ? 'ending' : 'active';
    else if (s && s.level === 'pending') stateName = 'pending';
    const open = pain || (a && a.state === 'active' ? a.episode : null);
    const cam = state.cameras.get(b.camera);
    const camOffline = cam && cam.state !== 'online';
    const acked = open ? !!open.acknowledged : false;
    const until = (open && open.snoozedUntil) || b.snoozedUntil;
    const snoozed = until && Date.parse(until) > Date.now() ? until : null;
    let rank = 0;
    if (pain) rank = 100 + PRIORITY_RANK[pain.priority] * 10 + (acked ? 0 : 5) + (stateName === 'active' ? 2 : 0);
    else if (technical.length) rank = 60 + Math.max(...technical.map((t) => PRIORITY_RANK[t.priority])) * 5 + (technical.some((t) => !t.acknowledged) ? 2 : 0);
    else if (stateName === 'pending') rank = 40;
    else if (camOffline) rank = 30;
    return { pain, technical, stateName, open, acked, snoozed, rank, score: s };
  }

  // Bursts of messages (64 beds a second, a reconnect's retained states) are drawn once: at most one ward render per task.
  let wardScheduled = false;
  const benchLatencies = params.get('bench') === '1' ? [] : null;
  let benchPending = [];
  function scheduleWard(sentAt) {
    if (benchLatencies && sentAt) benchPending.push(sentAt);
    if (wardScheduled) return;
    wardScheduled = true;
    setTimeout(() => {
      wardScheduled = false;
      renderWardNow();
      if (benchLatencies) {
        const now = Date.now();
        for (const t of benchPending) benchLatencies.push(now - t);
        benchPending = [];
      }
    }, 0);
  }
  state.benchLatencies = benchLatencies;
  const renderWard = () => scheduleWard();

  function renderWardNow() {
    const tiles = $('tiles');
    const groups = new Map();
    for (const b of state.beds.values()) {
      if (!groups.has(b.camera)) groups.set(b.camera, []);
      groups.get(b.camera).push({ b, v: bedView(b) });
    }
    for (const camera of state.cameras.keys()) if (!groups.has(camera)) groups.set(camera, []);
    const ordered = [...groups.entries()].map(([camera, beds]) => {
      beds.sort((x, y) => y.v.rank - x.v.rank || x.b.bed.localeCompare(y.b.bed));
      return { camera, beds, rank: beds.length ? beds[0].v.rank : 0 };
    }).sort((x, y) => y.rank - x.rank || x.camera.localeCompare(y.camera));
    // Tiles are updated in place (keyed by camera and bed), so a button under the nurse's pointer or keyboard focus is never
    // replaced while it is being used; only the order changes when urgency changes.
    const oldGroups = new Map([...tiles.querySelectorAll(':scope > section[data-camera]')].map((x) => [x.dataset.camera, x]));
    if (!ordered.length) {
      if (!$('no-beds')) tiles.replaceChildren(el('p', { class: 'empty', id: 'no-beds' }, 'Waiting for the beds\' state from the broker…'));
      return;
    }
    const sections = [];
    for (const g of ordered) {
      const cam = state.cameras.get(g.camera);
      const camState = cam ? cam.state : 'unknown';
      const camText = cam ? (cam.state === 'online' ? 'camera online' : `camera ${cam.state}${cam.error ? ': ' + cam.error : ''}`) : 'camera status unknown';
      const heading = el('h3', {}, 'Camera ' + g.camera, el('span', { class: 'cam-state ' + camState, 'data-testid': 'camera-state' }, camText));
      let section = oldGroups.get(g.camera);
      if (!section) {
        section = el('section', { class: 'camera-group', 'aria-label': 'Camera ' + g.camera, 'data-camera': g.camera }, heading, el('div', { class: 'grid' }));
      } else {
        morph(section.querySelector('h3'), heading);
      }
      const grid = section.querySelector('.grid');
      const oldTiles = new Map([...grid.children].map((x) => [x.dataset.bed, x]));
      const wanted = g.beds.map(({ b, v }) => {
        const fresh = tile(b, v);
        const old = oldTiles.get(b.key);
        if (!old) return fresh;
        morph(old, fresh);
        return old;
      });
      if (wanted.length !== grid.children.length || wanted.some((x, i) => grid.children[i] !== x)) grid.replaceChildren(...wanted);
      sections.push(section);
    }
    if (sections.length !== tiles.children.length || sections.some((x, i) => tiles.children[i] !== x)) tiles.replaceChildren(...sections);
  }

  // Makes `a` look like `b` (attributes, text, children by position) without replacing `a`; command replies are kept.
  function morph(a, b) {
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) { a.replaceWith(b); return; }
    if (a.nodeType === Node.TEXT_NODE) { if (a.data !== b.data) a.data = b.data; return; }
    if (a.nodeType !== Node.ELEMENT_NODE || (a.classList.contains('reply') && b.classList.contains('reply'))) return;
    for (const { name } of [...a.attributes]) if (!b.hasAttribute(name)) a.removeAttribute(name);
    for (const { name, value } of [...b.attributes]) if (a.getAttribute(name) !== value) a.setAttribute(name, value);
    const ac = [...a.childNodes];
    const bc = [...b.childNodes];
    for (let i = 0; i < bc.length; i++) { if (i < ac.length) morph(ac[i], bc[i]); else a.append(bc[i]); }
    for (let i = bc.length; i < ac.length; i++) ac[i].remove();
  }

  function tile(b, v) {
    const cls = ['tile'];
    if (v.pain) cls.push('p-' + v.pain.priority); else if (v.technical.length) cls.push('s-tech'); else if (v.stateName === 'pending') cls.push('s-pending');
    const stateText = v.pain ? `Pain ${v.stateName}` : v.stateName === 'pending' ? 'Pain pending' : v.technical.length ? 'Technical alarm' : 'No alert';
    const s = v.score;
    const scoreText = s ? (s.smoothed !== null && s.smoothed !== undefined ? `score ${num(s.smoothed)} (${fmtTime(s.ts)})` : `not scored: ${s.quality || 'unknown'}`) : 'no score yet';
    const ack = el('button', {
      type: 'button', 'data-focus-key': b.key + ':ack', 'data-testid': 'ack', disabled: !v.open || v.acked,
      onclick: (ev) => { ev.stopPropagation(); sendCommand(b, 'ack', by(), ev.currentTarget.closest('.tile').querySelector('.reply')); },
    }, v.acked ? 'Acknowledged' : 'Acknowledge');
    // The same children in the same order every time (absent ones hidden), so updates morph in place.
    const t = el('article', { class: cls.join(' '), 'data-bed': b.key, 'data-state': v.stateName, 'data-testid': 'tile' },
      el('div', { class: 'name' }, el('a', { href: `#/bed/${encodeURIComponent(b.camera)}/${encodeURIComponent(b.bed)}`, 'data-focus-key': b.key + ':link' }, b.bed)),
      el('div', { class: 'state', 'data-testid': 'state' }, stateText, ' ',
        el('span', { class: 'badge ' + (v.pain ? v.pain.priority : ''), 'data-testid': 'priority', hidden: !v.pain }, v.pain ? 'priority ' + v.pain.priority : '')),
      el('div', { hidden: !v.pain }, v.pain ? `since ${fmtTime(v.pain.startedAt)} · peak ${num(v.pain.peak)}` : ''),
      el('div', { class: 'acked', 'data-testid': 'acknowledged', hidden: !v.acked }, '✓ acknowledged'),
      el('div', { 'data-testid': 'snoozed', hidden: !v.snoozed }, v.snoozed ? `snoozed until ${fmtTime(v.snoozed)}` : ''),
      el('div', { class: 'score', 'data-testid': 'score' }, scoreText),
      el('div', { class: 'alarms', 'data-testid': 'alarms', hidden: !v.technical.length },
        v.technical.map((x) => `${reasonText(x.reason)} (${x.priority}${x.acknowledged ? ', acknowledged' : ''})`).join('; ')),
      ack,
      el('div', { class: 'reply', role: 'status', 'aria-live': 'polite' }));
    return t;
  }

  function renderAlerts() {
    const list = $('alert-list');
    const eps = [...state.episodes.values()];
    const open = eps.filter((e) => e.last.type !== 'end')
      .sort((a, b) => PRIORITY_RANK[b.last.priority] - PRIORITY_RANK[a.last.priority] || Date.parse(b.first.ts) - Date.parse(a.first.ts));
    const ended = eps.filter((e) => e.last.type === 'end').sort((a, b) => Date.parse(b.last.ts) - Date.parse(a.last.ts)).slice(0, 50);
    list.replaceChildren(...[...open, ...ended].map((ep) => {
      const e = ep.last;
      const isOpen = e.type !== 'end';
      return el('li', { class: isOpen ? 'open' : 'ended', 'data-episode': ep.id, 'data-testid': 'alert-item' },
        el('div', {}, el('span', { class: 'when' }, fmtTime(ep.first.startedAt || ep.first.ts)), ' ',
          el('strong', {}, `${e.camera} / ${e.bed}`), ' ', reasonText(e.reason), ' ',
          el('span', { class: 'badge ' + (e.reason === 'pain' ? e.priority : 'tech') }, e.priority)),
        el('div', {}, isOpen ? `open${e.acknowledged ? ', acknowledged' : ''} · peak ${num(e.peak)}`
          : `ended ${fmtTime(e.ts)} (${(e.cause || '').replace('_', ' ')}) · peak ${num(e.peak)}`),
        ep.escalations.map((x) => el('div', { class: 'esc' }, `priority ${x.from} → ${x.to} at ${fmtTime(x.ts)}${x.cause === 're_alert' ? ' (re-alert)' : ''}`)));
    }));
    $('no-alerts').hidden = eps.length > 0;
  }

  // ---------- bed detail ----------
  let bedsInfo = null;
  async function loadBedsInfo() {
    if (bedsInfo) return bedsInfo;
    try { const r = await fetch('api/beds', { cache: 'no-store' }); bedsInfo = r.ok ? await r.json() : []; } catch (e) { bedsInfo = []; }
    return bedsInfo;
  }

  async function openBed(camera, bed) {
    const b = bedOf(camera, bed);
    state.bedView = b.key;
    $('bed-title').textContent = `Camera ${camera} · bed ${bed}`;
    $('bed-reply').textContent = '';
    $('bed-reset-confirm').hidden = true;
    const info = (await loadBedsInfo()).find((x) => x.camera === camera && x.bed === bed);
    b.info = info || { onThreshold: 4, offThreshold: 2.5, maxScore: 16, scale: 'pspi' };
    if (state.history && !b.historyLoaded) {
      try {
        const r = await fetch(`api/history?camera=${encodeURIComponent(camera)}&bed=${encodeURIComponent(bed)}&from=${Date.now() - CHART_WINDOW_S * 1000}`);
        if (r.ok) {
          const h = await r.json();
          const merged = h.samples.map((p) => [p.t / 1000, p.pspi, p.smoothed]);
          const live = b.series[0].map((t, i) => [t, b.series[1][i], b.series[2][i]]);
          const first = live.length ? live[0][0] : Infinity;
          const all = merged.filter((p) => p[0] < first).concat(live);
          b.series = [all.map((p) => p[0]), all.map((p) => p[1]), all.map((p) => p[2])];
          b.historyLoaded = true;
        }
      } catch (e) { /* live data only */ }
    }
    if (state.chart) { state.chart.destroy(); state.chart = null; }
    renderBed();
  }

  function chartSize(container) {
    return { width: Math.max(300, container.clientWidth - 4), height: 300 };
  }

  function renderBed(onlyData = false) {
    const b = state.beds.get(state.bedView);
    if (!b) return;
    const v = bedView(b);
    const info = b.info || { onThreshold: 4, offThreshold: 2.5, maxScore: 16 };
    const [ts, raw, smooth] = b.series;
    const data = [ts, raw, smooth, ts.map(() => info.onThreshold), ts.map(() => info.offThreshold)];
    if (state.chart && onlyData) { state.chart.setData(data); } else if (!state.chart) {
      const box = $('bed-chart');
      state.chart = new uPlot({
        ...chartSize(box),
        scales: { y: { range: [0, info.maxScore] } },
        series: [{},
          { label: 'raw', stroke: '#8aa1b8', width: 1, spanGaps: false },
          { label: 'smoothed', stroke: '#12263a', width: 3 },
          { label: `on ${info.onThreshold}`, stroke: '#b3261e', dash: [6, 4], width: 1.5, points: { show: false } },
          { label: `off ${info.offThreshold}`, stroke: '#1e7b34', dash: [6, 4], width: 1.5, points: { show: false } }],
        axes: [{}, { label: (info.scale || 'pspi').toUpperCase() }],
      }, data, box);
    } else { state.chart.setData(data); }
    const s = b.score;
    $('bed-summary').replaceChildren(...[
      el('span', { 'data-testid': 'bed-state' }, el('strong', {}, v.pain ? `Pain ${v.stateName}` : v.stateName === 'pending' ? 'Pain pending' : 'No pain alert'),
        v.pain ? el('span', { class: 'badge ' + v.pain.priority }, ' priority ' + v.pain.priority) : null),
      el('span', {}, 'smoothed ', el('strong', {}, s ? num(s.smoothed) : '—'), ' · raw ', s ? num(s.pspi) : '—'),
      el('span', {}, s ? `quality: ${s.quality}` : 'no score yet'),
      v.acked ? el('span', { class: 'acked' }, '✓ acknowledged') : null,
      v.snoozed ? el('span', {}, `snoozed until ${fmtTime(v.snoozed)}`) : null,
      v.technical.length ? el('span', { class: 'alarms' }, v.technical.map((x) => reasonText(x.reason)).join(', ')) : null].filter(Boolean));
    const ex = v.pain && v.pain.explanation;
    const box = $('bed-explanation');
    if (!ex) { box.replaceChildren(el('p', { class: 'empty' }, v.pain ? 'No explanation with this alert.' : 'No open pain alert.')); } else {
      const terms = ex.terms || ex; // {au4:…} or {terms:{…}, regions:{…}}
      const bars = [];
      const labels = { au4: 'AU4 brow', au6_7: 'AU6/7 eyes', au9_10: 'AU9/10 nose/lip', au43: 'AU43 closed' };
      for (const [k, val] of Object.entries(isObj(terms) ? terms : {})) {
        if (typeof val !== 'number') continue;
        const max = k === 'au43' ? 1 : 5;
        bars.push(el('div', { class: 'bar' }, el('span', {}, labels[k] || k),
          el('div', { class: 'track' }, el('div', { class: 'fill', style: `width:${Math.min(100, (val / max) * 100)}%` })), el('span', {}, num(val, 2))));
      }
      if (isObj(ex.regions)) {
        for (const [k, val] of Object.entries(ex.regions)) {
          if (typeof val !== 'number') continue;
          bars.push(el('div', { class: 'bar' }, el('span', {}, k), el('div', { class: 'track' }, el('div', { class: 'fill', style: `width:${Math.min(100, val * 100)}%` })), el('span', {}, Math.round(val * 100) + '%')));
        }
      }
      box.replaceChildren(...(bars.length ? bars : [el('p', { class: 'empty' }, 'No explanation with this alert.')]));
    }
    $('bed-ack').disabled = !v.open || v.acked;
    $('bed-ack').textContent = v.acked ? 'Acknowledged' : 'Acknowledge';
  }

  $('bed-ack').addEventListener('click', () => { const b = state.beds.get(state.bedView); if (b) sendCommand(b, 'ack', by(), $('bed-reply')); });
  $('bed-snooze').addEventListener('click', () => {
    const b = state.beds.get(state.bedView);
    if (b) sendCommand(b, 'snooze', { minutes: Number($('bed-snooze-minutes').value), ...by() }, $('bed-reply'));
  });
  $('bed-reset').addEventListener('click', () => { $('bed-reset-confirm').hidden = false; $('bed-reset-confirm').focus(); });
  $('bed-reset-confirm').addEventListener('click', () => {
    const b = state.beds.get(state.bedView);
    $('bed-reset-confirm').hidden = true;
    if (b) sendCommand(b, 'baseline/reset', by(), $('bed-reply'));
  });
  // Charts follow their box (window resize, tablet rotation, layout change).
  const resizeCharts = () => { if (state.chart) state.chart.setSize(chartSize($('bed-chart'))); if (tuneChart) tuneChart.setSize(chartSize($('tune-chart'))); };
  window.addEventListener('resize', resizeCharts);
  if (window.ResizeObserver) { const ro = new ResizeObserver(resizeCharts); ro.observe($('view-bed')); ro.observe($('view-tuning')); }

  // ---------- tuning ----------
  const TUNE_KEYS = ['OnThreshold', 'OffThreshold', 'DwellSeconds', 'HoldSeconds', 'MinConfidence', 'EscalateAfterMinutes', 'ReAlertMinutes'];
  let tuneChart = null;
  async function openTuning() {
    const beds = await loadBedsInfo();
    const sel = $('tune-bed');
    if (!sel.options.length) for (const b of beds) sel.append(el('option', { value: `${b.camera}/${b.bed}` }, `${b.camera} / ${b.bed}`));
    if (!state.history) $('tune-error').textContent = 'The score history is not served here (Http:History:Enabled, or the page is not served by the daemon).';
  }

  const rowsOf = (eps) => [el('tr', {}, ...['reason', 'started', 'alert sent', 'ended', 'peak', 'priority'].map((h) => el('th', { scope: 'col' }, h)))]
    .concat(eps.length ? eps.map((e) => el('tr', { 'data-testid': 'episode' }, el('td', {}, reasonText(e.reason)), el('td', {}, fmtDateTime(e.startedAt)),
      el('td', {}, fmtDateTime(e.announcedAt)), el('td', {}, e.endedAt ? `${fmtDateTime(e.endedAt)} (${e.endCause})` : 'still open'),
      el('td', {}, num(e.peak)), el('td', {}, e.priority))) : [el('tr', {}, el('td', { colspan: 6 }, 'no episode'))]);

  $('tuning-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('tune-error').textContent = '';
    const [camera, bed] = $('tune-bed').value.split('/');
    const to = Date.now();
    const from = to - Number($('tune-period').value) * 3600 * 1000;
    const settings = {};
    for (const k of TUNE_KEYS) { const v = $('tune-' + k).value; if (v !== '') settings[k] = Number(v); }
    let body;
    try {
      const r = await fetch('api/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera, bed, from: String(from), to: String(to), settings }) });
      body = await r.json();
      if (!r.ok) { $('tune-error').textContent = (body.errors || ['replay failed']).join('; '); $('tune-result').hidden = true; return; }
    } catch (e) { $('tune-error').textContent = 'replay failed: ' + e.message; return; }
    const h = await (await fetch(`api/history?camera=${encodeURIComponent(camera)}&bed=${encodeURIComponent(bed)}&from=${from}&to=${to}`)).json();
    $('tune-result').hidden = false;
    $('tune-actual').replaceChildren(...rowsOf(body.actual));
    $('tune-replayed').replaceChildren(...rowsOf(body.replayed));
    $('tune-snippet').textContent = body.snippet;
    $('tune-stats').textContent = `${body.samples} samples replayed in ${num(body.elapsedMilliseconds, 0)} ms.`;
    const ts = h.samples.map((p) => p.t / 1000);
    const data = [ts, h.samples.map((p) => p.smoothed), ts.map(() => body.running.onThreshold), ts.map(() => body.running.offThreshold),
      ts.map(() => body.candidate.onThreshold), ts.map(() => body.candidate.offThreshold)];
    if (tuneChart) tuneChart.destroy();
    tuneChart = new uPlot({
      ...chartSize($('tune-chart')),
      series: [{}, { label: 'smoothed', stroke: '#12263a', width: 2 },
        { label: 'running on', stroke: '#999', dash: [6, 4] }, { label: 'running off', stroke: '#bbb', dash: [2, 4] },
        { label: 'candidate on', stroke: '#0b57d0', dash: [6, 4] }, { label: 'candidate off', stroke: '#6fa0f0', dash: [2, 4] }],
    }, data, $('tune-chart'));
  });
  $('tune-copy').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText($('tune-snippet').textContent); $('tune-copied').textContent = 'copied'; } catch (e) {
      const r = document.createRange(); r.selectNodeContents($('tune-snippet')); getSelection().removeAllRanges(); getSelection().addRange(r);
      $('tune-copied').textContent = 'selected: press Ctrl+C';
    }
  });

  // ---------- routing ----------
  function route() {
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const view = parts[0] === 'bed' && parts.length === 3 ? 'bed' : parts[0] === 'tuning' ? 'tuning' : 'ward';
    $('view-ward').hidden = view !== 'ward';
    $('view-bed').hidden = view !== 'bed';
    $('view-tuning').hidden = view !== 'tuning';
    $('nav-ward').toggleAttribute('aria-current', view === 'ward'); if (view === 'ward') $('nav-ward').setAttribute('aria-current', 'page');
    $('nav-tuning').toggleAttribute('aria-current', view === 'tuning'); if (view === 'tuning') $('nav-tuning').setAttribute('aria-current', 'page');
    if (view === 'bed') openBed(parts[1], parts[2]); else { state.bedView = null; if (state.chart) { state.chart.destroy(); state.chart = null; } }
    if (view === 'tuning') openTuning();
    document.title = `PainStream — ${view === 'bed' ? parts[1] + ' / ' + parts[2] : view === 'tuning' ? 'tuning' : 'nurse station'}`;
  }
  window.addEventListener('hashchange', route);
  route();
  renderBanner('connecting to the broker…');
  start();
})();
