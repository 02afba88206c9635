//go:build ignore

// serving_load is the load generator of bench/serving.sh: it sends the same
// requests to reach and to a baseline server, interleaved in rounds, with a
// fixed number of connections, on loopback only, bounded in requests and
// time, and prints one table row per request kind.
//
// Usage: go run bench/serving_load.go -spec FILE [-conns 16] [-round 5s] [-rounds 3] [-max 200000] [-pid PID]
//
// With -pid it samples that process's resident memory (VmRSS) every 100 ms
// while a row runs and prints the row's peak; every row also shows the
// machine's 1-minute load average at its end (the machine is shared).
//
// The spec file has one line per kind: "label<TAB>reach-URL-list<TAB>baseline-URL-list",
// each list separated by spaces (the lists are walked round-robin). A label
// starting with "first:" sends every URL exactly once per side (first render).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	n      int
	errs   int
	bytes  int64
	wall   time.Duration
	lat    []time.Duration
	status map[int]int
}

func (r result) rate() float64 { return float64(r.n) / r.wall.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func run(client *http.Client, urls []string, conns int, d time.Duration, max int, once bool) result {
	var next atomic.Int64
	var mu sync.Mutex
	res := result{status: map[int]int{}}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			st := map[int]int{}
			errs := 0
			var bytes int64
			for {
				i := int(next.Add(1) - 1)
				if once && i >= len(urls) || !once && (i >= max || time.Now().After(deadline)) {
					break
				}
				u := urls[i%len(urls)]
				t0 := time.Now()
				resp, err := client.Get(u)
				if err != nil {
					errs++
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				st[resp.StatusCode]++
				bytes += n
				if resp.StatusCode != 200 {
					errs++
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			for k, v := range st {
				res.status[k] += v
			}
			res.errs += errs
			res.bytes += bytes
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	res.n = len(res.lat)
	return res
}

func merge(a, b result) result {
	a.n += b.n
	a.errs += b.errs
	a.bytes += b.bytes
	a.wall += b.wall
	a.lat = append(a.lat, b.lat...)
	if a.status == nil {
		a.status = map[int]int{}
	}
	for k, v := range b.status {
		a.status[k] += v
	}
	return a
}

func loopback(list string) []string {
	var out []string
	for _, u := range strings.Fields(list) {
		pu, err := url.Parse(u)
		if err != nil {
			fmt.Fprintf(os.Stderr, "serving_load: bad URL %q: %v\n", u, err)
			os.Exit(2)
		}
		if h := pu.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
			fmt.Fprintf(os.Stderr, "serving_load: %s is not on loopback\n", u)
			os.Exit(2)
		}
		out = append(out, u)
	}
	return out
}

// rssKiB reads VmRSS of pid from /proc, 0 where it cannot.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// peakRSS samples pid's VmRSS until stop is closed and returns the peak in KiB.
func peakRSS(pid int, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if pid > 0 {
				peak = max(peak, rssKiB(pid))
			}
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func load1() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

func ratio(r result) float64 { return float64(r.pct(0.99)) / float64(max(r.pct(0.5), 1)) }

func kib(r result) float64 { return float64(r.bytes) / 1024 / float64(max(r.n, 1)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func main() {
	spec := flag.String("spec", "", "spec file")
	conns := flag.Int("conns", 16, "parallel connections per side")
	round := flag.Duration("round", 5*time.Second, "length of one round per side")
	rounds := flag.Int("rounds", 3, "rounds (reach, baseline alternating)")
	maxReq := flag.Int("max", 200000, "most requests per side and round")
	pid := flag.Int("pid", 0, "process whose peak RSS to report per row (reach)")
	flag.Parse()
	f, err := os.Open(*spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serving_load:", err)
		os.Exit(2)
	}
	defer f.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	fmt.Printf("| request | reach req/s | reach p50 / p99 ms | baseline req/s | baseline p50 / p99 ms | ratio | reach p99/p50 | baseline p99/p50 | reach KiB/resp | baseline KiB/resp | errors reach/baseline | reach peak RSS MB | load |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 {
			continue
		}
		label, reachURLs, baseURLs := parts[0], loopback(parts[1]), loopback(parts[2])
		once := strings.HasPrefix(label, "first:")
		var a, b result
		stop := make(chan struct{})
		peak := peakRSS(*pid, stop)
		n := *rounds
		if once {
			n = 1
		}
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				a = merge(a, run(client, reachURLs, *conns, *round, *maxReq, once))
				b = merge(b, run(client, baseURLs, *conns, *round, *maxReq, once))
			} else {
				b = merge(b, run(client, baseURLs, *conns, *round, *maxReq, once))
				a = merge(a, run(client, reachURLs, *conns, *round, *maxReq, once))
			}
		}
		close(stop)
		fmt.Printf("| %s | %.1f | %s / %s | %.1f | %s / %s | %.2f× | %.1f | %.1f | %.1f | %.1f | %d / %d | %d | %s |\n", label,
			a.rate(), ms(a.pct(0.5)), ms(a.pct(0.99)), b.rate(), ms(b.pct(0.5)), ms(b.pct(0.99)),
			a.rate()/b.rate(), ratio(a), ratio(b), kib(a), kib(b), a.errs, b.errs, <-peak/1024, load1())
	}
}
