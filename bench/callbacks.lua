-- wrk script for bench/run: replays the pre-signed status callbacks that bench/sign_callbacks.py wrote
-- (one per line: signature TAB idempotency token TAB form body).
--
--   wrk -t T -c C -d LIMIT -s callbacks.lua URL -- FILE measure N T
--       Each thread loads its share of FILE into memory (line i goes to thread i mod T), sends its share
--       of N requests, stops after its share of responses, and the last thread to finish wakes wrk's
--       main thread so wrk ends at once instead of after LIMIT. done() prints one line:
--       BENCH_RESULT key=value ... (2xx responses per second over the threads' own clock, latency
--       percentiles from wrk's histogram). FILE should hold N + C lines: the requests in flight when a
--       thread stops are sent too, and the spare lines keep them unique.
--   wrk -t T -c C -d SECONDS -s callbacks.lua URL -- FILE warmup T
--       Streams FILE (line i to thread i mod T) for the whole duration, starting over at its end.
--
-- wrk's own "Requests/sec" divides by the time from its start to its end, which includes loading the
-- files; the BENCH_RESULT rate counts from the first request to the last counted response.

local ffi = require("ffi")

ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *time);
typedef union { char size[40]; long align; } bench_mutex;
typedef struct { bench_mutex lock; int ready; int finished; } bench_shared;
int pthread_mutex_init(bench_mutex *mutex, const void *attributes);
int pthread_mutex_lock(bench_mutex *mutex);
int pthread_mutex_unlock(bench_mutex *mutex);
unsigned long pthread_self(void);
int pthread_kill(unsigned long thread, int signal);
void *calloc(size_t count, size_t size);
int usleep(unsigned int microseconds);
]]

local CLOCK_MONOTONIC = 1
local SIGINT = 2
local timespec = ffi.new("bench_timespec")

local function now_seconds()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
   return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

-- Main state: setup() and done() run here, once per thread and once at the end.

local threads = {}
local shared_memory_address = nil

function setup(thread)
   if shared_memory_address == nil then
      -- Never freed: it must outlive every thread, and wrk exits right after done().
      local memory = ffi.cast("bench_shared *", ffi.C.calloc(1, ffi.sizeof("bench_shared")))
      ffi.C.pthread_mutex_init(memory.lock, nil)
      shared_memory_address = tonumber(ffi.cast("uintptr_t", memory))
   end
   -- Each becomes a global of the thread's own Lua state.
   thread:set("thread_id", #threads)
   thread:set("shared_address", shared_memory_address)
   thread:set("main_thread", tonumber(ffi.C.pthread_self()))
   table.insert(threads, thread)
end

-- Thread states: init(), request() and response() run on one wrk thread each. The globals below
-- are what done() reads back with thread:get().

share = 0
started_at = nil
finished_at = nil
responses = 0
ok = 0
non2xx = 0
status_text = "none"

local mode
local thread_count
local shared
local requests = {}
local loaded = 0
local next_index = 1
local statuses = {}
local stream
local stream_file
local stream_line = 0

local function locked(action)
   ffi.C.pthread_mutex_lock(shared.lock)
   local result = action()
   ffi.C.pthread_mutex_unlock(shared.lock)
   return result
end

local request_head

local function build_request(line)
   local signature, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
   if body == nil then
      error("callbacks.lua: malformed line (want signature TAB token TAB body): " .. line:sub(1, 80))
   end
   return request_head
      .. "X-Twilio-Signature: " .. signature .. "\r\n"
      .. "I-Twilio-Idempotency-Token: " .. token .. "\r\n"
      .. "Content-Length: " .. #body .. "\r\n\r\n"
      .. body
end

local function open_stream()
   stream = assert(io.open(stream_file, "r"))
   stream_line = 0
end

local function next_streamed()
   local wrapped = false
   while true do
      local line = stream:read("*l")
      if line == nil then
         stream:close()
         if wrapped then
            error("callbacks.lua: no line for thread " .. thread_id .. " in " .. stream_file)
         end
         wrapped = true
         open_stream()
      else
         stream_line = stream_line + 1
         if (stream_line - 1) % thread_count == thread_id then
            return build_request(line)
         end
      end
   end
end

function init(args)
   local file = args[1]
   mode = args[2]
   shared = ffi.cast("bench_shared *", shared_address)
   -- Twilio's headers; Host is the one wrk sends, which is what the URL was signed with.
   request_head = "POST " .. wrk.path .. " HTTP/1.1\r\n"
      .. "Host: " .. wrk.headers["Host"] .. "\r\n"
      .. "Content-Type: application/x-www-form-urlencoded\r\n"
      .. "User-Agent: TwilioProxy/1.1\r\n"
      .. "Accept: */*\r\n"
   if mode == "measure" then
      local total = tonumber(args[3])
      thread_count = tonumber(args[4])
      share = math.floor(total / thread_count) + ((thread_id < total % thread_count) and 1 or 0)
      local line_number = 0
      for line in io.lines(file) do
         if line_number % thread_count == thread_id then
            loaded = loaded + 1
            requests[loaded] = build_request(line)
         end
         line_number = line_number + 1
      end
      if loaded < share then
         error("callbacks.lua: thread " .. thread_id .. " needs " .. share .. " requests, " .. file .. " has " .. loaded .. " for it")
      end
   elseif mode == "warmup" then
      thread_count = tonumber(args[3])
      stream_file = file
      open_stream()
      response = nil
   else
      error("callbacks.lua: mode must be 'measure' or 'warmup', got " .. tostring(mode))
   end
   locked(function() shared.ready = shared.ready + 1 end)
end

function request()
   if mode == "warmup" then
      return next_streamed()
   end
   -- wrk calls request() once on the main thread to inspect it; only the thread's own calls count.
   if started_at == nil and ffi.C.pthread_self() ~= main_thread then
      -- Start together: thread 0 runs while later threads are still loading their files.
      while locked(function() return shared.ready end) < thread_count do
         ffi.C.usleep(1000)
      end
      started_at = now_seconds()
   end
   local next_request = requests[next_index]
   next_index = next_index + 1
   if next_index > loaded then
      next_index = 1
   end
   return next_request
end

local function status_summary()
   local parts = {}
   for status, count in pairs(statuses) do
      table.insert(parts, status .. ":" .. count)
   end
   table.sort(parts)
   return #parts == 0 and "none" or table.concat(parts, ",")
end

function response(status, headers, body)
   if finished_at ~= nil then
      return
   end
   responses = responses + 1
   if status >= 200 and status < 300 then
      ok = ok + 1
   else
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
   if responses >= share then
      finished_at = now_seconds()
      status_text = status_summary()
      wrk.thread:stop()
      local last = locked(function()
         shared.finished = shared.finished + 1
         return shared.finished == thread_count
      end)
      if last then
         ffi.C.pthread_kill(main_thread, SIGINT)
      end
   end
end

function done(summary, latency, requests)
   local first_start, last_finish = nil, nil
   local total_responses, total_ok, total_non2xx, share_total, status_parts = 0, 0, 0, 0, {}
   for _, thread in ipairs(threads) do
      local started, finished = thread:get("started_at"), thread:get("finished_at")
      if started ~= nil and (first_start == nil or started < first_start) then
         first_start = started
      end
      if finished ~= nil and (last_finish == nil or finished > last_finish) then
         last_finish = finished
      end
      total_responses = total_responses + (thread:get("responses") or 0)
      total_ok = total_ok + (thread:get("ok") or 0)
      total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
      share_total = share_total + (thread:get("share") or 0)
      if (thread:get("non2xx") or 0) > 0 then
         table.insert(status_parts, thread:get("status_text"))
      end
   end
   local errors = summary.errors
   local elapsed = (first_start and last_finish) and (last_finish - first_start) or (summary.duration / 1e6)
   local finished_all = (first_start ~= nil and last_finish ~= nil and total_responses >= share_total and share_total > 0)
   io.write(string.format(
      "BENCH_RESULT mode=%s complete=%s responses=%d ok=%d non2xx=%d statuses=%s "
         .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d "
         .. "elapsed_s=%.3f ok_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f mean_ms=%.3f "
         .. "wrk_requests=%d wrk_duration_s=%.3f\n",
      finished_all and "measure" or "partial", tostring(finished_all), total_responses, total_ok, total_non2xx,
      #status_parts == 0 and "none" or table.concat(status_parts, ";"),
      errors.connect, errors.read, errors.write, errors.timeout,
      elapsed, elapsed > 0 and total_ok / elapsed or 0,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000,
      summary.requests, summary.duration / 1e6))
end
