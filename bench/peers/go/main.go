// SPDX-License-Identifier: GPL-2.0

// Command lws-go is the Go peer of the lwswitch benchmark: goroutines and
// channels of the Go runtime running the same programs as liblwswitch's
// threads and coroutines, as CSV rows of bench/common/benchutil.h
// ("kernel,case,impl,metric,value,unit,p10,p90,runs"; value = median of
// the repetitions, p10/p90 by nearest rank), impl "go".
//
//	lws-go [-quick] [-reps N] [-host] [-header] [-big-n N] [-only CASE,...]
//
// Cases (-only takes a comma-separated list of these names):
//
//	env              gomaxprocs: runtime.GOMAXPROCS(0), the number of
//	                 Ps the runtime ran with (one row, always printed).
//	pingpong         no rows.  The pingpong case of bench/vm/pingpong.c
//	                 is the cheapest bare hand-off of a mechanism, below
//	                 any channel.  Go has no hand-off between goroutines
//	                 that is not a channel and would compare fairly
//	                 (runtime.Gosched() only requeues the caller and names
//	                 no target; sync.Cond and sync.Mutex are not hand-offs
//	                 either but park on the runtime's semaphore table), so
//	                 Go's figure is the chan-pingpong row (and ring n2).
//	chan-pingpong    ns_per_roundtrip: the main goroutine and a server
//	                 goroutine, a request and a reply channel (both
//	                 unbuffered, int64 elements), a strict request/reply
//	                 loop, every reply checked (v + 1).
//	chan-throughput  msgs_per_s: one producer and one consumer goroutine
//	                 on one channel of capacity 128, every message summed
//	                 and the sum checked; msgs_per_s_pairs4: 4 such pairs
//	                 on 4 channels at once (total messages / wall time).
//	ring             ns_per_hop_n<N>, N = 2, 16, 128, 1024, 10000 and (not
//	                 under -quick; -big-n sets it, 0 drops it) 100000: N
//	                 goroutines in a ring of unbuffered channels pass one
//	                 token (a hop budget, decremented per hop) around; the
//	                 rings are built once, all of them stay alive (blocked)
//	                 while the case runs, and every repetition is at
//	                 least ~0.2 s and 2 N hops.
//	create           ns_per_unit: `go f(i, done)` of a goroutine that sends
//	                 i on a channel of capacity 1 and returns, then the
//	                 receive of it (checked), one at a time.
//	memory           bytes_per_unit: 100,000 goroutines, each blocked in
//	                 a receive on one shared unbuffered channel; (RSS with
//	                 all of them blocked - RSS before) / N from
//	                 /proc/self/statm, after a GC and a return of free
//	                 memory to the OS before; units: N.  Goroutine
//	                 stacks, g structures and the sudogs of the blocked
//	                 receivers all show in RSS; the kernel's own memory
//	                 hardly grows (no threads are created for them):
//	                 kernel_bytes_per_unit (KernelStack + PageTables of
//	                 /proc/meminfo) and system_bytes_per_unit (the fall of
//	                 MemFree) as lws-scale has them, where /proc/meminfo
//	                 can be read; create_ns_per_unit (and cpu_): from the
//	                 first go statement until all N are blocked, per unit.
//	fanout           ns_per_msg_n<N>, N = 1, 4, 16, 64: the main goroutine
//	                 sends on one unbuffered channel that N consumer
//	                 goroutines receive from (started before the clock,
//	                 the channel closed after it); count and sum of the
//	                 received messages checked.
//	work-per-hop     ns_per_hop_w<W> and overhead_pct_w<W> (W > 0), W = 0,
//	                 100, 1000, 10000 and 100000 ns: as lws-scale's case
//	                 (bench/vm/scale.c), hand-offs with W ns of real work
//	                 before each (workRun(), the loop of
//	                 bench/common/work.h, calibrated once per process
//	                 against the thread's CPU time; row work_steps_per_us):
//	                 a ping-pong of the main goroutine and a server
//	                 goroutine (a hop is one direction), and
//	                 ring_ns_per_hop_w<W> and ring_overhead_pct_w<W>, a ring
//	                 of 16 goroutines that each work W before forwarding.
//	                 overhead_pct = (ns_per_hop - W) / W * 100.  A
//	                 repetition is about 40 ms (-quick: 8 ms), whatever W.
//
// Every time figure has a cpu_ row beside it: the user + system CPU time of
// the whole process (getrusage RUSAGE_SELF, all of the runtime's threads,
// so that idle Ps spinning for work show) per operation.
//
// Repetitions: every row is first warmed up and calibrated (runs of
// growing size until one takes a tenth of the target time), then -reps
// timed repetitions of about the target time each (0.5 s; -quick: 0.1 s;
// ring rows at least 0.2 s), interleaved across the rows of a case (the
// first repetition of every row, then the second, ...) so that a drift of
// the machine's speed hits every row alike.  Sizing by time rather than by
// count keeps the run length the same on the host and in an emulated VM.
//
// The program reads nothing but /proc/self/statm and /proc/meminfo (the Go
// 1.19 runtime also tries /sys/kernel/mm/transparent_hugepage/hpage_pmd_size
// at start and does without it): it runs in the test VM's busybox initramfs
// as a static binary (build.sh), with an empty environment, no /etc and no
// /sys.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const maxReps = 64 // BENCH_MAX_REPS

var (
	reps    = 5
	target  = 500 * time.Millisecond // wall time of one repetition
	quick   bool
	kernel  string // the kernel column
	program = "lws-go"
)

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, program+": "+format+"\n", a...)
	os.Exit(1)
}

// monoNs is a monotonic clock reading (time.Since uses the monotonic clock).
var monoBase = time.Now()

func monoNs() int64 { return int64(time.Since(monoBase)) }

// cpuNs is the user + system CPU time of the whole process.
func cpuNs() int64 {
	var ru syscall.Rusage

	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		die("getrusage: %v", err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// clock is the start of a timed interval: wall and CPU time.
type clock struct{ wall, cpu int64 }

// The wall clock is read inside the CPU time's readings (getrusage sums
// over all of the process's threads), as lws-scale does.
func start() clock {
	c := cpuNs()
	return clock{monoNs(), c}
}

// stop returns the wall and CPU ns since c.
func (c clock) stop() (int64, int64) {
	w := monoNs() - c.wall
	return w, cpuNs() - c.cpu
}

func setKernel(host bool) {
	if host {
		kernel = "host"
		return
	}
	var u syscall.Utsname

	if err := syscall.Uname(&u); err != nil {
		die("uname: %v", err)
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	kernel = string(b)
}

// g4 formats as benchutil.h's bench_num(): four significant digits, but
// every digit of the integer part from 1,000 up.
func g4(x float64) string {
	if x >= 1000 || x <= -1000 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// pct is the nearest-rank percentile p of the sorted v (benchutil.h).
func pct(v []float64, p int) float64 {
	n := len(v)
	i := (p*n+99)/100 - 1
	if i < 0 {
		i = 0
	} else if i >= n {
		i = n - 1
	}
	return v[i]
}

// emit prints one row (bench_row()); sorts v.
func emit(cas, metric string, v []float64, unit string) {
	sort.Float64s(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	fmt.Printf("%s,%s,go,%s,%s,%s,%s,%s,%d\n", kernel, cas, metric, g4(med), unit,
		g4(pct(v, 10)), g4(pct(v, 90)), n)
}

func emit1(cas, metric string, v float64, unit string) {
	emit(cas, metric, []float64{v}, unit)
}

// row is one timed row of a case and its cpu_ row.
type row struct {
	metric string // "ns_per_x" or, with rate, "msgs_per_s..."
	cpu    string // the CPU time row's metric
	rate   bool   // report operations per second instead of ns per operation
	target time.Duration
	minN   int64                           // smallest run (the first warm-up)
	multN  int64                           // run sizes are multiples of this
	run    func(n int64) (wall, cpu int64) // n operations; ns for all of them
	n      int64                           // calibrated size of a repetition
	wall   []float64
	cpuv   []float64
}

func roundN(r *row, n int64) int64 {
	if n < r.minN {
		n = r.minN
	}
	if r.multN > 1 {
		n = (n + r.multN - 1) / r.multN * r.multN
	}
	return n
}

// calibrate warms the row up with runs of growing size until one takes a
// tenth of the target, then sizes a repetition to take the target.
func calibrate(r *row) {
	tenth := int64(r.target) / 10
	n := roundN(r, r.minN)
	for {
		w, _ := r.run(n)
		if w >= tenth {
			r.n = roundN(r, int64(float64(n)*float64(r.target)/float64(w)))
			return
		}
		grow := 10.0
		if w > 0 {
			grow = 1.5 * float64(tenth) / float64(w)
		}
		if grow < 2 {
			grow = 2
		} else if grow > 10 {
			grow = 10
		}
		n = roundN(r, int64(float64(n)*grow))
	}
}

// runCase calibrates every row, runs the repetitions interleaved across
// rows, and prints each row with its cpu_ row.
func runCase(cas string, rows []*row) {
	for _, r := range rows {
		if r.target == 0 {
			r.target = target
		}
		if r.minN < 1 {
			r.minN = 1
		}
		calibrate(r)
	}
	for i := 0; i < reps; i++ {
		for _, r := range rows {
			w, c := r.run(r.n)
			if w < 1 {
				w = 1
			}
			n := float64(r.n)
			if r.rate {
				r.wall = append(r.wall, n*1e9/float64(w))
			} else {
				r.wall = append(r.wall, float64(w)/n)
			}
			r.cpuv = append(r.cpuv, float64(c)/n)
		}
	}
	for _, r := range rows {
		if r.rate {
			emit(cas, r.metric, r.wall, "msgs/s")
		} else {
			emit(cas, r.metric, r.wall, "ns")
		}
		emit(cas, r.cpu, r.cpuv, "ns")
	}
}

// ---- chan-pingpong ----

func ppServer(req <-chan int64, rep chan<- int64) {
	for v := range req {
		rep <- v + 1
	}
}

func ppRun(n int64) (int64, int64) {
	req, rep := make(chan int64), make(chan int64)

	go ppServer(req, rep)
	c := start()
	for i := int64(0); i < n; i++ {
		req <- i
		if v := <-rep; v != i+1 {
			die("chan-pingpong: reply %d to request %d", v, i)
		}
	}
	w, cpu := c.stop()
	close(req)
	return w, cpu
}

func benchChanPingpong() {
	runCase("chan-pingpong", []*row{{
		metric: "ns_per_roundtrip", cpu: "cpu_ns_per_roundtrip",
		minN: 1000, run: ppRun,
	}})
}

// ---- chan-throughput ----

func tpProducer(ch chan<- int64, n int64) {
	for i := int64(1); i <= n; i++ {
		ch <- i
	}
}

func tpConsumer(ch <-chan int64, n int64, sums chan<- int64) {
	var s int64

	for i := int64(0); i < n; i++ {
		s += <-ch
	}
	sums <- s
}

// tpRun: pairs producer/consumer pairs, n messages in all.
func tpRun(pairs int) func(n int64) (int64, int64) {
	return func(n int64) (int64, int64) {
		per := n / int64(pairs)
		sums := make(chan int64, pairs)
		chans := make([]chan int64, pairs)

		for p := range chans {
			chans[p] = make(chan int64, 128)
		}
		c := start()
		for p := range chans {
			go tpConsumer(chans[p], per, sums)
			go tpProducer(chans[p], per)
		}
		for p := 0; p < pairs; p++ {
			if s := <-sums; s != per*(per+1)/2 {
				die("chan-throughput: sum %d, want %d: lost or doubled messages",
					s, per*(per+1)/2)
			}
		}
		return c.stop()
	}
}

func benchChanThroughput() {
	runCase("chan-throughput", []*row{{
		metric: "msgs_per_s", cpu: "cpu_ns_per_msg", rate: true,
		minN: 10000, run: tpRun(1),
	}, {
		metric: "msgs_per_s_pairs4", cpu: "cpu_ns_per_msg_pairs4", rate: true,
		minN: 10000, multN: 4, run: tpRun(4),
	}})
}

// ---- ring ----

type ring struct {
	ch   []chan int64
	done chan int
	work int64 // steps of work before each forward (work-per-hop)
}

// ringMember forwards the token, a hop budget, to the next member; the
// member that receives 0 reports itself on done.
func ringMember(id int, in <-chan int64, out chan<- int64, done chan<- int) {
	for v := range in {
		if v == 0 {
			done <- id
		} else {
			out <- v - 1
		}
	}
}

// workMember is ringMember with the work before each forward.
func workMember(id int, in <-chan int64, out chan<- int64, done chan<- int, work int64) {
	x := uint64(id)
	for v := range in {
		if v == 0 {
			done <- id
		} else {
			x = workRun(x, work)
			out <- v - 1
		}
	}
	keep(x)
}

func newRing(n int) *ring { return newWorkRing(n, 0) }

func newWorkRing(n int, work int64) *ring {
	r := &ring{ch: make([]chan int64, n), done: make(chan int), work: work}

	for i := range r.ch {
		r.ch[i] = make(chan int64)
	}
	for i := range r.ch {
		if work > 0 {
			go workMember(i, r.ch[i], r.ch[(i+1)%n], r.done, work)
		} else {
			go ringMember(i, r.ch[i], r.ch[(i+1)%n], r.done)
		}
	}
	return r
}

// run passes the token n hops (member to member) around the ring.
func (r *ring) run(n int64) (int64, int64) {
	c := start()
	r.ch[0] <- n
	id := <-r.done
	w, cpu := c.stop()
	if want := int(n % int64(len(r.ch))); id != want {
		die("ring n=%d: the token ended at member %d, want %d", len(r.ch), id, want)
	}
	return w, cpu
}

func (r *ring) close() {
	for _, ch := range r.ch {
		close(ch)
	}
}

// bigN is the size of the big ring (-big-n): 100,000, none under -quick.
var bigN = -1

func benchRing() {
	var rows []*row
	var rings []*ring
	t := target
	if t < 200*time.Millisecond {
		t = 200 * time.Millisecond
	}

	sizes := []int{2, 16, 128, 1024, 10000}
	if bigN > 0 {
		sizes = append(sizes, bigN)
	}
	for _, n := range sizes {
		r := newRing(n)
		rings = append(rings, r)
		rows = append(rows, &row{
			metric: fmt.Sprintf("ns_per_hop_n%d", n),
			cpu:    fmt.Sprintf("cpu_ns_per_hop_n%d", n),
			target: t, minN: 2 * int64(n), run: r.run,
		})
	}
	runCase("ring", rows)
	for _, r := range rings {
		r.close()
	}
}

// ---- create ----

func createChild(v int64, done chan<- int64) {
	done <- v
}

func createRun(n int64) (int64, int64) {
	done := make(chan int64, 1)
	c := start()

	for i := int64(0); i < n; i++ {
		go createChild(i, done)
		if v := <-done; v != i {
			die("create: got %d from goroutine %d", v, i)
		}
	}
	return c.stop()
}

func benchCreate() {
	runCase("create", []*row{{
		metric: "ns_per_unit", cpu: "cpu_ns_per_unit", minN: 1000, run: createRun,
	}})
}

// ---- memory ----

const memUnits = 100000

var (
	memCh      = make(chan struct{})
	memReady   sync.WaitGroup
	memExited  sync.WaitGroup
	memWrongly int64 // receives that returned a value (must stay 0)
)

// memBlocker takes no arguments, so that the go statement allocates
// nothing beyond the goroutine itself.
func memBlocker() {
	memReady.Done()
	if _, ok := <-memCh; ok {
		atomic.AddInt64(&memWrongly, 1) // never: memCh is only closed
	}
	memExited.Done()
}

// rss is the resident set size of the process in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		die("/proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		die("/proc/self/statm: %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		die("/proc/self/statm: %v", err)
	}
	return pages * int64(os.Getpagesize())
}

// settle waits until RSS stops changing (sampled every 50 ms, at most ~2 s).
func settle() int64 {
	prev := rss()
	for i := 0; i < 40; i++ {
		time.Sleep(50 * time.Millisecond)
		r := rss()
		if r == prev {
			return r
		}
		prev = r
	}
	return prev
}

// meminfo is a field of /proc/meminfo in bytes, or -1.
func meminfo(field string) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == field+":" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return kb * 1024
			}
		}
	}
	return -1
}

// kmem is KernelStack + PageTables (bench/common/procmem.h's bench_kmem()), or -1.
func kmem() int64 {
	ks, pt := meminfo("KernelStack"), meminfo("PageTables")
	if ks < 0 || pt < 0 {
		return -1
	}
	return ks + pt
}

func benchMemory() {
	var ms0, ms1 runtime.MemStats

	runtime.GC()
	debug.FreeOSMemory()
	rss0 := settle()
	k0, f0 := kmem(), meminfo("MemFree")
	runtime.ReadMemStats(&ms0)
	g0 := runtime.NumGoroutine()
	memReady.Add(memUnits)
	memExited.Add(memUnits)
	c := start()
	for i := 0; i < memUnits; i++ {
		go memBlocker()
	}
	memReady.Wait()
	cw, cc := c.stop()
	rss1 := settle()
	k1, f1 := kmem(), meminfo("MemFree")
	runtime.ReadMemStats(&ms1)
	if g := runtime.NumGoroutine() - g0; g < memUnits {
		die("memory: %d goroutines alive, want %d", g, memUnits)
	}
	fmt.Fprintf(os.Stderr, "%s: memory: %d goroutines blocked in a channel receive: "+
		"RSS %d -> %d KiB; runtime: stacks in use +%d KiB, Sys +%d KiB\n",
		program, memUnits, rss0>>10, rss1>>10,
		(int64(ms1.StackInuse)-int64(ms0.StackInuse))>>10,
		(int64(ms1.Sys)-int64(ms0.Sys))>>10)
	emit1("memory", "bytes_per_unit", float64(rss1-rss0)/memUnits, "bytes")
	if k0 >= 0 && k1 >= 0 {
		emit1("memory", "kernel_bytes_per_unit", float64(k1-k0)/memUnits, "bytes")
	}
	if f0 >= 0 && f1 >= 0 {
		emit1("memory", "system_bytes_per_unit", float64(f0-f1)/memUnits, "bytes")
	}
	emit1("memory", "create_ns_per_unit", float64(cw)/memUnits, "ns")
	emit1("memory", "cpu_create_ns_per_unit", float64(cc)/memUnits, "ns")
	emit1("memory", "units", memUnits, "count")
	close(memCh)
	memExited.Wait()
	if w := atomic.LoadInt64(&memWrongly); w != 0 {
		die("memory: %d receives returned a value", w)
	}
	// Free the dead goroutines' stacks for the cases that follow.
	runtime.GC()
	debug.FreeOSMemory()
}

// ---- fanout ----

func fanConsumer(ch <-chan int64, res chan<- [2]int64) {
	var cnt, sum int64

	for v := range ch {
		cnt++
		sum += v
	}
	res <- [2]int64{cnt, sum}
}

func fanRun(consumers int) func(n int64) (int64, int64) {
	return func(n int64) (int64, int64) {
		ch := make(chan int64)
		res := make(chan [2]int64, consumers)

		for k := 0; k < consumers; k++ {
			go fanConsumer(ch, res)
		}
		c := start()
		for i := int64(1); i <= n; i++ {
			ch <- i
		}
		w, cpu := c.stop()
		close(ch)
		var cnt, sum int64
		for k := 0; k < consumers; k++ {
			r := <-res
			cnt += r[0]
			sum += r[1]
		}
		if cnt != n || sum != n*(n+1)/2 {
			die("fanout n=%d: %d messages (sum %d) received, %d sent",
				consumers, cnt, sum, n)
		}
		return w, cpu
	}
}

func benchFanout() {
	var rows []*row

	for _, n := range []int{1, 4, 16, 64} {
		rows = append(rows, &row{
			metric: fmt.Sprintf("ns_per_msg_n%d", n),
			cpu:    fmt.Sprintf("cpu_ns_per_msg_n%d", n),
			minN:   1000, run: fanRun(n),
		})
	}
	runCase("fanout", rows)
}

// ---- work-per-hop ----

// workRun is bench/common/work.h's bench_work(): iters steps of a chain of
// 64-bit multiply-adds, each depending on the one before (nothing to
// vectorise or overlap); the caller keeps the result.
func workRun(x uint64, iters int64) uint64 {
	for i := int64(0); i < iters; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

var workSink uint64 // the work's results, kept live

func keep(x uint64) { atomic.AddUint64(&workSink, x) }

// threadCPUNs is clock_gettime(CLOCK_THREAD_CPUTIME_ID) of the calling
// thread (the goroutine must be locked to it).
func threadCPUNs() int64 {
	var ts syscall.Timespec

	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		die("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %v", e)
	}
	return ts.Nano()
}

var workNsPerStep float64

// workCalibrate is bench_work_calibrate(): a run sized to take runNs of the
// thread's CPU time, timed 7 times; ns per step is the fastest run's (see
// there why).  Returns the median run's wall time over CPU time too.
func workCalibrate(runNs float64) (float64, float64) {
	var per, ratio [7]float64
	var c0, c1 int64
	iters, x := int64(1000), uint64(1)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for {
		c0 = threadCPUNs()
		x = workRun(x, iters)
		c1 = threadCPUNs()
		if float64(c1-c0) >= runNs/4 || iters >= 1<<40 {
			break
		}
		iters *= 4
	}
	if c1 <= c0 {
		c1 = c0 + 1
	}
	iters = int64(float64(iters)*runNs/float64(c1-c0)) + 1
	for i := range per {
		t0 := monoNs()
		c0 = threadCPUNs()
		x = workRun(x, iters)
		c1 = threadCPUNs()
		t1 := monoNs()
		if c1 <= c0 {
			c1 = c0 + 1
		}
		per[i] = float64(c1-c0) / float64(iters)
		ratio[i] = float64(t1-t0) / float64(c1-c0)
	}
	keep(x)
	sort.Float64s(per[:])
	sort.Float64s(ratio[:])
	workNsPerStep = per[0]
	if workNsPerStep <= 0 {
		workNsPerStep = 1e-3
	}
	return workNsPerStep, ratio[3]
}

// workSteps is bench_work_iters(): the steps of about ns of work.
func workSteps(ns float64) int64 {
	if ns <= 0 {
		return 0
	}
	n := ns / workNsPerStep
	if n < 1 {
		return 1
	}
	return int64(n + 0.5)
}

func wppServer(req <-chan int64, rep chan<- int64, work int64) {
	x := uint64(1)
	for v := range req {
		x = workRun(x, work)
		rep <- v + 1
	}
	keep(x)
}

// wppRun: n hops (n / 2 round trips) of the ping-pong, each after work steps.
func wppRun(work int64) func(n int64) (int64, int64) {
	return func(n int64) (int64, int64) {
		req, rep := make(chan int64), make(chan int64)
		x := uint64(0)

		go wppServer(req, rep, work)
		c := start()
		for i := int64(0); i < n/2; i++ {
			x = workRun(x, work)
			req <- i
			if v := <-rep; v != i+1 {
				die("work-per-hop: reply %d to request %d", v, i)
			}
		}
		w, cpu := c.stop()
		close(req)
		keep(x)
		return w, cpu
	}
}

func benchWorkPerHop() {
	var rows []*row
	var rings []*ring
	var work []float64 // what a row's steps take, ns (0: no work)
	var wns []int
	t := 40 * time.Millisecond
	calib := 10e6

	if quick {
		t, calib = 8*time.Millisecond, 5e6
	}
	ns, ratio := workCalibrate(calib)
	fmt.Fprintf(os.Stderr, "%s: work-per-hop: %.3f ns per step (wall / CPU time %.2f while calibrating)\n",
		program, ns, ratio)
	emit1("work-per-hop", "work_steps_per_us", 1000/ns, "steps/us")
	for _, w := range []int{0, 100, 1000, 10000, 100000} {
		steps := workSteps(float64(w))
		r := newWorkRing(16, steps)
		rings = append(rings, r)
		rows = append(rows, &row{
			metric: fmt.Sprintf("ns_per_hop_w%d", w),
			cpu:    fmt.Sprintf("cpu_ns_per_hop_w%d", w),
			target: t, minN: 20, multN: 2, run: wppRun(steps),
		}, &row{
			metric: fmt.Sprintf("ring_ns_per_hop_w%d", w),
			cpu:    fmt.Sprintf("cpu_ring_ns_per_hop_w%d", w),
			target: t, minN: 32, run: r.run,
		})
		work = append(work, float64(steps)*workNsPerStep, float64(steps)*workNsPerStep)
		wns = append(wns, w, w)
	}
	runCase("work-per-hop", rows)
	for i, r := range rows {
		if work[i] <= 0 {
			continue
		}
		pct := make([]float64, len(r.wall))
		for k, x := range r.wall {
			pct[k] = (x - work[i]) / work[i] * 100
		}
		prefix := ""
		if strings.HasPrefix(r.metric, "ring_") {
			prefix = "ring_"
		}
		emit("work-per-hop", fmt.Sprintf("%soverhead_pct_w%d", prefix, wns[i]), pct, "%")
	}
	for _, r := range rings {
		r.close()
	}
}

// ---- main ----

var cases = []struct {
	name string
	run  func()
}{
	{"env", func() { emit1("env", "gomaxprocs", float64(runtime.GOMAXPROCS(0)), "count") }},
	{"pingpong", nil}, // no rows: see the comment at the top
	{"chan-pingpong", benchChanPingpong},
	{"chan-throughput", benchChanThroughput},
	{"create", benchCreate},
	// memory before ring: the rings' 11,000 goroutines, once dead, would
	// leave g structures behind for the 100,000 to reuse.
	{"memory", benchMemory},
	{"ring", benchRing},
	{"fanout", benchFanout},
	{"work-per-hop", benchWorkPerHop},
}

func main() {
	flag.BoolVar(&quick, "quick", false, "runs about 5x shorter")
	flag.IntVar(&bigN, "big-n", bigN, "size of the big ring (default 100000, none with -quick; 0: none)")
	flag.IntVar(&reps, "reps", reps, "timed repetitions per row (1..64)")
	host := flag.Bool("host", false, `kernel column "host" instead of the kernel release`)
	header := flag.Bool("header", false, "print the CSV header first")
	only := flag.String("only", "", "comma-separated cases to run (default: all)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [-quick] [-reps N] [-host] [-header] [-big-n N] [-only CASE,...]\ncases:", program)
		for _, c := range cases {
			fmt.Fprintf(os.Stderr, " %s", c.name)
		}
		fmt.Fprintln(os.Stderr)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 || reps < 1 || reps > maxReps {
		flag.Usage()
		os.Exit(2)
	}
	if quick {
		target /= 5
	}
	if bigN < 0 {
		bigN = 100000
		if quick {
			bigN = 0
		}
	}
	sel := map[string]bool{}
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			found := false
			for _, c := range cases {
				found = found || c.name == name
			}
			if !found {
				fmt.Fprintf(os.Stderr, "%s: unknown case %q\n", program, name)
				flag.Usage()
				os.Exit(2)
			}
			sel[name] = true
		}
		if sel["pingpong"] {
			fmt.Fprintf(os.Stderr, "%s: pingpong: no rows (Go has no fair non-channel "+
				"hand-off; see chan-pingpong)\n", program)
		}
	}
	setKernel(*host)
	if *header {
		fmt.Println("kernel,case,impl,metric,value,unit,p10,p90,runs")
	}
	for _, c := range cases {
		if c.run != nil && (*only == "" || sel[c.name] || c.name == "env") {
			c.run()
		}
	}
}
