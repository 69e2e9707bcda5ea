package api_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"go.yaml.in/yaml/v3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/internal/genops"
)

const (
	// generatorModule is the module of the code generator go.mod pins.
	generatorModule = "github.com/oapi-codegen/oapi-codegen/v2"
	// generatorCommand is what generate.go's directives `go run`.
	generatorCommand = generatorModule + "/cmd/oapi-codegen"
	// opsCommand is the generator of the operation table.
	opsCommand = "./internal/cmd/genops"
	// regenerate is what to do when the committed code is stale.
	regenerate = "run go generate ./... from the module root and commit the result"
)

// generatorRun is one `go:generate` directive that runs oapi-codegen, with
// paths relative to the module root, where `go generate` runs it.
type generatorRun struct {
	config string
	spec   string
}

// generatorRuns reads the oapi-codegen directives out of generate.go. It
// accepts only the arguments the test knows how to mirror.
func generatorRuns(src []byte) ([]generatorRun, error) {
	var runs []generatorRun
	scanner := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; scanner.Scan(); line++ {
		args, ok := strings.CutPrefix(scanner.Text(), "//go:generate ")
		if !ok {
			continue
		}
		fields := strings.Fields(args)
		if len(fields) >= 3 && fields[0] == "go" && fields[1] == "run" && fields[2] == opsCommand {
			continue // checked by TestGeneratedOperationTableIsFresh
		}
		if len(fields) < 3 || fields[0] != "go" || fields[1] != "run" || fields[2] != generatorCommand {
			return nil, fmt.Errorf("generate.go:%d: %q is not `go run %s`; extend generate_test.go to check what it generates", line, args, generatorCommand)
		}
		var run generatorRun
		rest := fields[3:]
		for len(rest) > 0 {
			arg := rest[0]
			rest = rest[1:]
			switch {
			case arg == "-config" || arg == "--config":
				if len(rest) == 0 {
					return nil, fmt.Errorf("generate.go:%d: -config has no value", line)
				}
				run.config, rest = rest[0], rest[1:]
			case strings.HasPrefix(arg, "-config=") || strings.HasPrefix(arg, "--config="):
				_, run.config, _ = strings.Cut(arg, "=")
			case strings.HasPrefix(arg, "-"):
				return nil, fmt.Errorf("generate.go:%d: flag %s is not mirrored by generate_test.go; put the setting in the config file", line, arg)
			case run.spec != "":
				return nil, fmt.Errorf("generate.go:%d: more than one spec (%s, %s)", line, run.spec, arg)
			default:
				run.spec = arg
			}
		}
		if run.config == "" || run.spec == "" {
			return nil, fmt.Errorf("generate.go:%d: want -config <file> <spec>, got %q", line, args)
		}
		runs = append(runs, run)
	}
	return runs, scanner.Err()
}

// generatorConfig is the configuration file format of cmd/oapi-codegen.
type generatorConfig struct {
	codegen.Configuration `yaml:",inline"`

	// OutputFile is the file the generated code is written to.
	OutputFile string `yaml:"output,omitempty"`
}

// generate does what `go run .../cmd/oapi-codegen -config <config> <spec>`
// does, step for step, and returns the output path and the code it would
// write there.
func generate(run generatorRun) (output string, code []byte, err error) {
	buf, err := os.ReadFile(run.config)
	if err != nil {
		return "", nil, err
	}
	// The command decodes the file strictly as the current format and as
	// the deprecated one, and takes the current format whenever the strict
	// decode succeeds and no deprecated flag is given (generatorRuns allows
	// none). Anything else would be the deprecated format, not mirrored here.
	dec := yaml.NewDecoder(bytes.NewReader(buf))
	dec.KnownFields(true)
	if err := dec.Decode(&generatorConfig{}); err != nil {
		return "", nil, fmt.Errorf("%s is not in oapi-codegen's current config format: %w", run.config, err)
	}
	var opts generatorConfig
	if err := yaml.Unmarshal(buf, &opts); err != nil {
		return "", nil, fmt.Errorf("%s: %w", run.config, err)
	}
	opts.Configuration = opts.UpdateDefaults()
	if opts.PackageName == "" {
		// The command would ask `go list` for it; keep it in the file.
		return "", nil, fmt.Errorf("%s: set package: so the package name does not depend on the output directory", run.config)
	}
	if err := opts.Validate(); err != nil {
		return "", nil, fmt.Errorf("%s: configuration error: %w", run.config, err)
	}
	if opts.OutputFile == "" {
		return "", nil, fmt.Errorf("%s: set output: so the generated code has a committed file to compare with", run.config)
	}

	overlayOpts := util.LoadSwaggerWithOverlayOpts{
		Path:                opts.OutputOptions.Overlay.Path,
		Strict:              true,
		AllowRemoteRefsFrom: opts.AllowRemoteRefsFrom,
	}
	if opts.OutputOptions.Overlay.Strict != nil {
		overlayOpts.Strict = *opts.OutputOptions.Overlay.Strict
	}
	swagger, err := util.LoadSwaggerWithOverlay(run.spec, overlayOpts)
	if err != nil {
		return "", nil, fmt.Errorf("load %s: %w", run.spec, err)
	}

	// The header names the module and version of the binary that wrote the
	// code. Under `go run` that binary belongs to the generator's module;
	// here it belongs to this test, so the version comes from the
	// dependency and the module name is put back after generation.
	version, err := pinnedVersion("go.mod", generatorModule)
	if err != nil {
		return "", nil, err
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", nil, errors.New("the test binary has no build information, so the generated header cannot be predicted")
	}
	opts.NoVCSVersionOverride = &version

	generated, err := codegen.Generate(swagger, opts.Configuration)
	if err != nil {
		return "", nil, fmt.Errorf("generate from %s with %s: %w", run.spec, run.config, err)
	}
	testHeader := "// Code generated by " + info.Main.Path + " version " + version + " DO NOT EDIT.\n"
	commandHeader := "// Code generated by " + generatorModule + " version " + version + " DO NOT EDIT.\n"
	if strings.Count(generated, testHeader) != 1 {
		return "", nil, fmt.Errorf("the generated code does not hold the header line %q once; the generator's template changed, update generate_test.go", testHeader)
	}
	return opts.OutputFile, []byte(strings.Replace(generated, testHeader, commandHeader, 1)), nil
}

// pinnedVersion reads the version of module that go.mod requires. (A test
// binary's build information lists no dependencies, so it cannot say.)
func pinnedVersion(goMod, module string) (string, error) {
	src, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	version := ""
	for line := range strings.Lines(string(src)) {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(strings.TrimPrefix(line, "require "), "replace ")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || fields[0] != module:
		case slices.Contains(fields, "=>"):
			return "", fmt.Errorf("%s replaces %s; the generated header cannot be predicted", goMod, module)
		case len(fields) >= 2:
			version = fields[1]
		}
	}
	if version == "" {
		return "", fmt.Errorf("%s does not require %s", goMod, module)
	}
	return version, nil
}

// compareGenerated reports whether the committed file holds exactly the
// generated code, and if not, the first line where they part.
func compareGenerated(path string, committed, generated []byte) error {
	if bytes.Equal(committed, generated) {
		return nil
	}
	c, g := splitLines(committed), splitLines(generated)
	line := 0
	for line < len(c) && line < len(g) && c[line] == g[line] {
		line++
	}
	return fmt.Errorf("%s is not what the generator makes of the spec; %s (first difference at line %d: committed %s, generated %s)",
		path, regenerate, line+1, describeLine(c, line), describeLine(g, line))
}

// splitLines splits after each newline, keeping it, so that a missing or
// extra final newline shows up as a difference.
func splitLines(b []byte) []string {
	var lines []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b) - 1
		}
		lines = append(lines, string(b[:i+1]))
		b = b[i+1:]
	}
	return lines
}

func describeLine(lines []string, i int) string {
	if i >= len(lines) {
		return "<end of file>"
	}
	return fmt.Sprintf("%q", lines[i])
}

// TestGeneratedCodeIsFresh regenerates gen/ in memory from every config and
// fails when the committed code differs, so a spec change cannot land
// without the code generated from it. It is not parallel: it changes into
// the module root, and the generator keeps global state.
func TestGeneratedCodeIsFresh(t *testing.T) {
	t.Chdir("..")
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatalf("read the go:generate directives: %v", err)
	}
	runs, err := generatorRuns(src)
	if err != nil {
		t.Fatal(err)
	}
	configs, err := filepath.Glob("api/oapi-codegen.*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, r := range runs {
		ran = append(ran, r.config)
	}
	slices.Sort(ran)
	if !slices.Equal(ran, configs) {
		t.Errorf("generate.go runs the configs %v, api/ holds %v; every config must be run exactly once", ran, configs)
	}

	for _, r := range runs {
		t.Run(r.config, func(t *testing.T) {
			output, code, err := generate(r)
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(output)
			if err != nil {
				t.Fatalf("read %s: %v; %s", output, err, regenerate)
			}
			if err := compareGenerated(output, committed, code); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCompareGeneratedNamesTheFirstDifference(t *testing.T) {
	t.Parallel()
	const path = "gen/participantapi/participantapi.gen.go"
	genFile, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	genFileLines := len(splitLines(genFile))

	tests := []struct {
		name      string
		committed string
		generated string
		want      []string // empty: the files match
	}{
		{name: "identical files match", committed: string(genFile), generated: string(genFile)},
		{
			name:      "one byte appended to the committed copy",
			committed: string(genFile) + "x",
			generated: string(genFile),
			want:      []string{regenerate, fmt.Sprintf("line %d:", genFileLines+1), `committed "x"`, "generated <end of file>"},
		},
		{
			name:      "a line changed in the middle",
			committed: "package a\n\nvar X = 1\n\nvar Y = 2\n",
			generated: "package a\n\nvar X = 10\n\nvar Y = 2\n",
			want:      []string{regenerate, "line 3:", `committed "var X = 1\n"`, `generated "var X = 10\n"`},
		},
		{
			name:      "final newline missing",
			committed: "package a\n",
			generated: "package a",
			want:      []string{"line 1:", `committed "package a\n"`, `generated "package a"`},
		},
		{
			name:      "generated code is longer",
			committed: "package a\n",
			generated: "package a\n\nvar X = 1\n",
			want:      []string{"line 2:", "committed <end of file>", `generated "\n"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := compareGenerated(path, []byte(tt.committed), []byte(tt.generated))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want a match", err)
				}
				return
			}
			if err == nil {
				t.Fatal("got a match, want a difference")
			}
			if !containsAll(err.Error(), append(tt.want, path)) {
				t.Errorf("got %q, want it to contain all of %q", err, tt.want)
			}
		})
	}
}

func TestGeneratorRunsRejectsWhatItCannotMirror(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		want    []generatorRun
		wantErr string
	}{
		{
			name: "config and spec are read",
			src:  "package x\n\n//go:generate go run " + generatorCommand + " -config api/a.yaml api/p.yaml\n",
			want: []generatorRun{{config: "api/a.yaml", spec: "api/p.yaml"}},
		},
		{
			name: "config given with an equals sign",
			src:  "//go:generate go run " + generatorCommand + " --config=api/a.yaml api/p.yaml\n",
			want: []generatorRun{{config: "api/a.yaml", spec: "api/p.yaml"}},
		},
		{
			name:    "a flag the test does not mirror",
			src:     "//go:generate go run " + generatorCommand + " -generate types -config api/a.yaml api/p.yaml\n",
			wantErr: "flag -generate is not mirrored",
		},
		{
			name:    "another generator",
			src:     "//go:generate stringer -type X\n",
			wantErr: "is not `go run",
		},
		{
			name:    "no spec",
			src:     "//go:generate go run " + generatorCommand + " -config api/a.yaml\n",
			wantErr: "want -config <file> <spec>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := generatorRuns([]byte(tt.src))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPinnedVersionReadsGoMod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		goMod   string
		want    string
		wantErr string
	}{
		{
			name:  "version in a require block",
			goMod: "module m\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\t" + generatorModule + " v2.8.2\n)\n",
			want:  "v2.8.2",
		},
		{
			name:  "version on a single require line",
			goMod: "module m\n\nrequire " + generatorModule + " v2.9.0 // indirect\n",
			want:  "v2.9.0",
		},
		{
			name:    "module not required",
			goMod:   "module m\n\nrequire github.com/a/b v1.0.0\n",
			wantErr: "does not require",
		},
		{
			name:    "module replaced",
			goMod:   "module m\n\nrequire " + generatorModule + " v2.8.2\n\nreplace " + generatorModule + " => ../oapi-codegen\n",
			wantErr: "replaces",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "go.mod")
			if err := os.WriteFile(path, []byte(tt.goMod), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := pinnedVersion(path, generatorModule)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestGeneratedOperationTableIsFresh regenerates the operation table in
// memory, for Go and for TypeScript, and the WebSocket frames, as the genops
// directive of generate.go does, and compares them byte for byte with the
// committed files.
func TestGeneratedOperationTableIsFresh(t *testing.T) {
	t.Chdir("..")
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	const (
		goOutput     = "gen/participantops/ops.gen.go"
		tsOutput     = "clients/typescript/src/generated/operations.ts"
		framesOutput = "gen/participantws/frames.gen.go"
		want         = "//go:generate go run " + opsCommand + " -spec api/participant.yaml -go " + goOutput + " -ts " + tsOutput +
			" -asyncapi api/chat-websocket.asyncapi.yaml -frames " + framesOutput
	)
	if !bytes.Contains(src, []byte(want+"\n")) {
		t.Fatalf("generate.go lacks the directive %q", want)
	}
	goCode, err := genops.GenerateGo(api.Spec, "participantops", "api/participant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tsCode, err := genops.GenerateTypeScript(api.Spec, "api/participant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	framesCode, err := genops.GenerateFrames(api.ChatWebSocket, "participantws", "api/chat-websocket.asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for output, code := range map[string][]byte{goOutput: goCode, tsOutput: tsCode, framesOutput: framesCode} {
		committed, err := os.ReadFile(output)
		if err != nil {
			t.Fatalf("read %s: %v; %s", output, err, regenerate)
		}
		if err := compareGenerated(output, committed, code); err != nil {
			t.Error(err)
		}
	}
}
