package connectparticipant_test

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEGoSnippetsCompile extracts every ```go block of README.md and
// type-checks it with go vet, so that a user who copies one gets code that
// builds; a block that is a test function is also run. A block is either whole declarations (a func, a type) or
// statements; statements go into a function body that returns an error. The
// names a statement block uses without declaring (ctx, client, tokens) are
// declared once in a prelude file with the types a reader would have, and a
// block imports the packages it names.
func TestREADMEGoSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) < 5 {
		t.Fatalf("README.md has %d go blocks; the extraction is broken or the README lost its examples", len(blocks))
	}

	dir, err := os.MkdirTemp(".", "_readme_snippets") // inside the module, ignored by ./...
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("prelude.go", readmePrelude)
	for i, b := range blocks {
		var body string
		if isDeclarations(b.code) {
			body = b.code
		} else {
			body = fmt.Sprintf("func snippet%d() error {\n%s\nreturn nil\n}\n", i, b.code)
		}
		src := fmt.Sprintf("// README.md line %d\n\npackage snippets\n\n%s\n%s", b.line, importsFor(b.code), body)
		name := fmt.Sprintf("snippet%02d.go", i)
		if strings.Contains(b.code, "func Test") {
			name = strings.TrimSuffix(name, ".go") + "_test.go" // a test in the README is run too
		}
		write(name, src)
	}

	// The return nil after a block that ends in a return is unreachable.
	cmd := exec.Command("go", "vet", "-unreachable=false", "./"+filepath.Base(dir))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("README snippets do not compile (each file names its README line):\n%s", out)
		for i, b := range blocks {
			t.Logf("snippet%02d.go, README.md line %d:\n%s", i, b.line, b.code)
		}
		return
	}
	out, err = exec.Command("go", "test", "-count=1", "./"+filepath.Base(dir)).CombinedOutput()
	if err != nil {
		t.Errorf("the README's tests fail:\n%s", out)
	}
}

// readmePrelude declares what the statement snippets take as given.
const readmePrelude = `package snippets

import (
	"context"

	"github.com/chatwire/connectparticipant/participant"
)

var (
	ctx              = context.Background()
	client           *participant.Client
	participantToken participant.Secret
	connectionToken  participant.Secret
	in               participant.SendMessageInput
)

`

// readmeImports are the packages a snippet may use, by the name it uses.
var readmeImports = map[string]string{
	"bytes":           "bytes",
	"chat":            "github.com/chatwire/connectparticipant/participant/chat",
	"context":         "context",
	"errors":          "errors",
	"fmt":             "fmt",
	"http":            "net/http",
	"io":              "io",
	"log":             "log",
	"os":              "os",
	"participant":     "github.com/chatwire/connectparticipant/participant",
	"participanttest": "github.com/chatwire/connectparticipant/participant/participanttest",
	"signal":          "os/signal",
	"slog":            "log/slog",
	"strings":         "strings",
	"testing":         "testing",
	"time":            "time",
}

// importsFor returns the import block of the packages code names outside
// its comments.
func importsFor(code string) string {
	code = regexp.MustCompile(`//.*`).ReplaceAllString(code, "")
	var paths []string
	for name, path := range readmeImports {
		if regexp.MustCompile(`(^|[^\w.])` + name + `\.`).MatchString(code) {
			paths = append(paths, path)
		}
	}
	if len(paths) == 0 {
		return ""
	}
	slices.Sort(paths)
	return "import (\n\t\"" + strings.Join(paths, "\"\n\t\"") + "\"\n)\n"
}

// isDeclarations reports whether code parses as the declarations of a file.
func isDeclarations(code string) bool {
	_, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+code, parser.SkipObjectResolution)
	return err == nil
}

type goBlock struct {
	line int // the line of README.md where the code starts
	code string
}

func goBlocks(md string) []goBlock {
	var blocks []goBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		start := i + 1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		}
		blocks = append(blocks, goBlock{line: start + 1, code: strings.Join(lines[start:i], "\n")})
	}
	return blocks
}

func TestGoBlocks(t *testing.T) {
	md := "# t\n```go\nx := 1\n```\ntext\n```sh\nls\n```\n```go\nfunc F() {}\n```\n"
	got := goBlocks(md)
	want := []goBlock{{3, "x := 1"}, {10, "func F() {}"}}
	if !slices.Equal(got, want) {
		t.Fatalf("goBlocks = %+v, want %+v", got, want)
	}
	if isDeclarations(got[0].code) || !isDeclarations(got[1].code) {
		t.Errorf("statements taken for declarations or the reverse")
	}
	if imp := importsFor("fmt.Println(chat.KindOf(item)); x.fmt.Y // leave the chat.\n// io.Reader"); imp != "import (\n\t\"fmt\"\n\t\"github.com/chatwire/connectparticipant/participant/chat\"\n)\n" {
		t.Errorf("importsFor = %q", imp)
	}
}
