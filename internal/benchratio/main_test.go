package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// sampleFile is real output of
// go test -run '^$' -bench . -benchmem -count=3 ./participant/ on 2 cores.
const sampleFile = "testdata/participant-count3.txt"

func readSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(sampleFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseSampleCollectsEveryRunOfEveryBenchmark(t *testing.T) {
	t.Parallel()
	sample := readSample(t)
	var echo bytes.Buffer
	res, err := parse(strings.NewReader(sample), &echo)
	if err != nil {
		t.Fatal(err)
	}
	if echo.String() != sample {
		t.Errorf("echo differs from the input:\n%s", echo.String())
	}
	wantOrder := []string{
		"Validate_1KiB", "Validate_12KiB", "Validate_12KiB_MultiByte",
		"SendMessage_NoNet", "Floor_NoNet",
		"SendMessage_Loopback", "Floor_Loopback",
		"SendMessage_Parallel", "Floor_Parallel",
	}
	if !slices.Equal(res.order, wantOrder) {
		t.Errorf("order = %v, want %v", res.order, wantOrder)
	}
	for _, name := range wantOrder {
		if n := res.count(name); n != 3 {
			t.Errorf("%s: %d runs, want 3", name, n)
		}
	}
	wantRuns := map[string]map[string][]float64{
		"Validate_1KiB":        {unitNs: {479.9, 486.9, 474.8}, "MB/s": {2131.70, 2100.87, 2154.49}, unitBytes: {0, 0, 0}, unitAllocs: {0, 0, 0}},
		"SendMessage_NoNet":    {unitNs: {9042, 8937, 8928}, unitBytes: {3352, 3352, 3352}, unitAllocs: {40, 40, 40}},
		"SendMessage_Parallel": {unitNs: {87867, 83902, 84684}, unitConns: {0.0001451, 0.0001384, 0.0001399}, unitBytes: {9424, 9421, 9428}, unitAllocs: {117, 117, 117}},
	}
	for name, units := range wantRuns {
		for unit, want := range units {
			if got := res.runs[name][unit]; !slices.Equal(got, want) {
				t.Errorf("%s %s = %v, want %v", name, unit, got, want)
			}
		}
		if len(res.runs[name]) != len(units) {
			t.Errorf("%s has units %v, want exactly those of %v", name, res.runs[name], units)
		}
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		line     string
		wantName string
		want     map[string]float64
	}{
		{"result with -benchmem and a GOMAXPROCS suffix",
			"BenchmarkFloor_NoNet-2                \t  132133\t      8299 ns/op\t    3520 B/op\t      36 allocs/op",
			"Floor_NoNet", map[string]float64{unitNs: 8299, unitBytes: 3520, unitAllocs: 36}},
		{"MB/s from SetBytes is kept as its own unit",
			"BenchmarkValidate_12KiB-2             \t  856414\t      1604 ns/op\t7660.06 MB/s\t       0 B/op\t       0 allocs/op",
			"Validate_12KiB", map[string]float64{unitNs: 1604, "MB/s": 7660.06, unitBytes: 0, unitAllocs: 0}},
		{"custom metric conns/op",
			"BenchmarkSendMessage_Parallel-2       \t   13788\t     87867 ns/op\t         0.0001451 conns/op\t    9424 B/op\t     117 allocs/op",
			"SendMessage_Parallel", map[string]float64{unitNs: 87867, unitConns: 0.0001451, unitBytes: 9424, unitAllocs: 117}},
		{"GOMAXPROCS=1 has no suffix",
			"BenchmarkSendMessage_NoNet \t 100 \t 9000 ns/op",
			"SendMessage_NoNet", map[string]float64{unitNs: 9000}},
		{"sub-benchmark keeps its path, loses only the suffix",
			"BenchmarkValidate/len-10-8 \t 100 \t 12.5 ns/op",
			"Validate/len-10", map[string]float64{unitNs: 12.5}},
		{"header line is not a result", "goos: linux", "", nil},
		{"PASS is not a result", "PASS", "", nil},
		{"name printed before a failure is not a result", "BenchmarkSendMessage_NoNet-2", "", nil},
		{"failure line is not a result", "--- FAIL: BenchmarkSendMessage_NoNet-2", "", nil},
		{"benchmark log output is not a result", "BenchmarkX-2 said hello world ns/op", "", nil},
		{"value that is not a number is not a result", "BenchmarkX-2 \t 100 \t fast ns/op", "", nil},
		{"a result without ns/op is not a result", "BenchmarkX-2 \t 100 \t 5 B/op", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, values, ok := parseLine(tt.line)
			if ok != (tt.want != nil) {
				t.Fatalf("parseLine(%q) ok = %v, want %v", tt.line, ok, tt.want != nil)
			}
			if name != tt.wantName {
				t.Errorf("name = %q, want %q", name, tt.wantName)
			}
			if len(values) != len(tt.want) {
				t.Errorf("values = %v, want %v", values, tt.want)
			}
			for unit, v := range tt.want {
				if values[unit] != v {
					t.Errorf("%s = %v, want %v", unit, values[unit], v)
				}
			}
		})
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []float64
		want   float64
		ok     bool
	}{
		{"no values has no median", nil, 0, false},
		{"one value is its own median", []float64{7}, 7, true},
		{"odd count takes the middle of the sorted values", []float64{9, 1, 5}, 5, true},
		{"even count takes the mean of the two middle values", []float64{4, 1, 3, 100}, 3.5, true},
		{"an outlier does not move it", []float64{10, 11, 12, 13, 1e9}, 12, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := slices.Clone(tt.values)
			got, ok := median(tt.values)
			if got != tt.want || ok != tt.ok {
				t.Errorf("median(%v) = %v, %v; want %v, %v", tt.values, got, ok, tt.want, tt.ok)
			}
			if !slices.Equal(in, tt.values) {
				t.Errorf("median reordered its input: %v", tt.values)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b float64
		want float64
	}{
		{"client over floor", 150, 100, 1.5},
		{"both zero are equal", 0, 0, 1},
		{"something over zero is infinitely worse", 3, 0, math.Inf(1)},
		{"zero over something is zero", 0, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ratio(tt.a, tt.b); got != tt.want {
				t.Errorf("ratio(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestPairsOfSampleUseMediansOfBothSides(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(readSample(t)), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ps := pairs(res)
	// Medians read off testdata/participant-count3.txt by hand.
	want := []struct {
		suffix                                 string
		cNs, cB, cA, fNs, fB, fA, cConns, fCon float64
		hasConns                               bool
	}{
		{"NoNet", 8937, 3352, 40, 8299, 3520, 36, 0, 0, false},
		{"Loopback", 124102, 9425, 118, 107104, 9009, 108, 0, 0, false},
		{"Parallel", 84684, 9424, 117, 75545, 9009, 108, 0.0001399, 0.0001251, true},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d pairs, want %d", len(ps), len(want))
	}
	for i, w := range want {
		p := ps[i]
		if p.suffix != w.suffix {
			t.Fatalf("pair %d is %s, want %s", i, p.suffix, w.suffix)
		}
		if p.client.ns != w.cNs || p.client.bytes != w.cB || p.client.allocs != w.cA ||
			p.floor.ns != w.fNs || p.floor.bytes != w.fB || p.floor.allocs != w.fA {
			t.Errorf("%s medians: client %v/%v/%v floor %v/%v/%v; want client %v/%v/%v floor %v/%v/%v",
				w.suffix, p.client.ns, p.client.bytes, p.client.allocs, p.floor.ns, p.floor.bytes, p.floor.allocs,
				w.cNs, w.cB, w.cA, w.fNs, w.fB, w.fA)
		}
		if p.client.hasConns != w.hasConns || p.client.conns != w.cConns || p.floor.conns != w.fCon {
			t.Errorf("%s conns/op: client %v (%v) floor %v; want %v (%v) %v",
				w.suffix, p.client.conns, p.client.hasConns, p.floor.conns, w.cConns, w.hasConns, w.fCon)
		}
		if p.nsRatio != w.cNs/w.fNs || p.bytesRatio != w.cB/w.fB || p.allocsRatio != w.cA/w.fA || p.allocsDiff != w.cA-w.fA {
			t.Errorf("%s ratios ns %v B %v allocs %v diff %v; want %v %v %v %v", w.suffix,
				p.nsRatio, p.bytesRatio, p.allocsRatio, p.allocsDiff, w.cNs/w.fNs, w.cB/w.fB, w.cA/w.fA, w.cA-w.fA)
		}
	}
}

func TestPairsNeedBothSides(t *testing.T) {
	t.Parallel()
	in := benchLines(
		bench{"SendMessage_Alone", 10, 1, 1, -1},
		bench{"Floor_Lonely", 10, 1, 1, -1},
		bench{"SendMessage_X", 30, 10, 4, -1},
		bench{"Floor_X", 20, 5, 1, -1},
		bench{"GetTranscript_X", 26, 1, 1, -1},
		bench{"FloorTranscript_X", 20, 1, 1, -1},
	)
	res, err := parse(strings.NewReader(in), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ps := pairs(res)
	if len(ps) != 2 || ps[0].suffix != "X" || ps[1].suffix != "TranscriptX" {
		t.Fatalf("pairs = %+v, want X and TranscriptX", ps)
	}
	if got := ps[1].nsRatio; got != 1.3 {
		t.Errorf("TranscriptX ns ratio %v, want 1.3", got)
	}
	if p := ps[0]; p.nsRatio != 1.5 || p.bytesRatio != 2 || p.allocsRatio != 4 || p.allocsDiff != 3 {
		t.Errorf("X ratios ns %v B %v allocs %v diff %v; want 1.5 2 4 3", p.nsRatio, p.bytesRatio, p.allocsRatio, p.allocsDiff)
	}
}

// bench is one result line to write; conns < 0 leaves conns/op out.
type bench struct {
	name              string
	ns, bytes, allocs float64
	conns             float64
}

func benchLines(bs ...bench) string {
	var sb strings.Builder
	sb.WriteString("goos: linux\ngoarch: amd64\npkg: example\n")
	for _, b := range bs {
		fmt.Fprintf(&sb, "Benchmark%s-2 \t 1000 \t %g ns/op", b.name, b.ns)
		if b.conns >= 0 {
			fmt.Fprintf(&sb, "\t %g conns/op", b.conns)
		}
		fmt.Fprintf(&sb, "\t %g B/op\t %g allocs/op\n", b.bytes, b.allocs)
	}
	sb.WriteString("PASS\n")
	return sb.String()
}

// passing is a run that meets every target exactly at its limit.
func passing() []bench {
	return []bench{
		{"Validate_12KiB", 2000, 0, 0, -1},
		{"SendMessage_NoNet", 120, 200, 16, -1},
		{"Floor_NoNet", 100, 100, 10, -1},
		{"GetTranscript_NoNet", 130, 0, 0, -1},
		{"FloorTranscript_NoNet", 100, 0, 0, -1},
		{"SendMessage_Loopback", 1150, 0, 0, -1},
		{"Floor_Loopback", 1000, 0, 0, -1},
		{"SendMessage_Parallel", 115, 0, 0, 0.0099},
		{"Floor_Parallel", 100, 0, 0, 0.5},
	}
}

func TestCheckTargets(t *testing.T) {
	t.Parallel()
	// missAt is every target passing except the one at index i.
	missAt := func(i int) []string {
		s := slices.Repeat([]string{"PASS"}, 8)
		s[i] = "MISS"
		return s
	}
	tests := []struct {
		name   string
		change func(bs []bench) []bench
		want   []string // status of each target, in report order
	}{
		{"every target met at its limit passes",
			func(bs []bench) []bench { return bs },
			slices.Repeat([]string{"PASS"}, 8)},
		{"NoNet over 1.2x the floor's time misses",
			func(bs []bench) []bench { bs[1].ns = 121; return bs },
			missAt(0)},
		{"NoNet 7 allocations over the floor misses",
			func(bs []bench) []bench { bs[1].allocs = 17; return bs },
			missAt(1)},
		{"NoNet over 2x the floor's bytes misses",
			func(bs []bench) []bench { bs[1].bytes = 201; return bs },
			missAt(2)},
		{"GetTranscript NoNet over 1.3x its floor's time misses",
			func(bs []bench) []bench { bs[3].ns = 131; return bs },
			missAt(3)},
		{"Loopback over 1.15x the floor's time misses",
			func(bs []bench) []bench { bs[5].ns = 1151; return bs },
			missAt(4)},
		{"Parallel over 1.15x the floor's time misses",
			func(bs []bench) []bench { bs[7].ns = 116; return bs },
			missAt(5)},
		{"Parallel client at 0.01 conns/op misses; the floor's conns do not count",
			func(bs []bench) []bench { bs[7].conns = 0.01; return bs },
			missAt(6)},
		{"Validate_12KiB over 2000 ns misses",
			func(bs []bench) []bench { bs[0].ns = 2001; return bs },
			missAt(7)},
		{"targets whose benchmarks did not run are skipped",
			func(bs []bench) []bench { return bs[1:3] },
			[]string{"PASS", "PASS", "PASS", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP"}},
		{"a floor without its client is skipped",
			func(bs []bench) []bench { return bs[2:3] },
			[]string{"SKIP", "SKIP", "SKIP", "SKIP", "SKIP", "SKIP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := parse(strings.NewReader(benchLines(tt.change(passing())...)), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			vs := checkTargets(res, pairs(res))
			var got []string
			for _, v := range vs {
				got = append(got, v.status)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v\n%+v", got, tt.want, vs)
			}
		})
	}
}

func TestCheckTargetsOfSample(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(readSample(t)), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range checkTargets(res, pairs(res)) {
		got = append(got, v.status+"  "+v.text)
	}
	want := []string{
		"PASS  NoNet ns/op ratio 1.077 (target ≤ 1.2)",
		"PASS  NoNet allocs/op 40, floor 36, diff +4 (target ≤ floor + 6)",
		"PASS  NoNet B/op ratio 0.952 (target ≤ 2)",
		"SKIP  GetTranscript NoNet pair: benchmark not run",
		"MISS  Loopback ns/op ratio 1.159 (target ≤ 1.15)",
		"PASS  Parallel ns/op ratio 1.121 (target ≤ 1.15)",
		"PASS  Parallel client conns/op 0.0001399 (target < 0.01)",
		"PASS  Validate_12KiB 1546 ns/op (target ≤ 2000)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{"a run with misses still exits 0: it is a report", readSample(t), 0,
			[]string{"BenchmarkFloor_NoNet-2", "== benchratio: client/floor", "Loopback  1.159x", "Validate_12KiB_MultiByte", "MISS  Loopback"}, ""},
		{"input without benchmarks exits 1 and says what to pipe in", "FAIL\tgithub.com/x [build failed]\n", 1,
			[]string{"FAIL\tgithub.com/x [build failed]"}, "no benchmark results"},
		{"empty input exits 1", "", 1, nil, "no benchmark results"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(strings.NewReader(tt.in), &stdout, &stderr); code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr %q", code, tt.wantCode, stderr.String())
			}
			for _, s := range tt.wantStdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if tt.wantStderr == "" && stderr.Len() != 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
		})
	}
}
