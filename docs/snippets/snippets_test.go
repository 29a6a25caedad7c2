package snippets_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocSnippetsCompile checks that every ```go block of README.md and
// docs/*.md appears, line for line (indentation aside), in a Go file that
// the build checks: docs/snippets/... or examples/... . A snippet that is
// edited in the docs but not here (or the other way round) fails the test,
// so the documentation cannot drift from code that compiles.
func TestDocSnippetsCompile(t *testing.T) {
	root := filepath.Join("..", "..")
	var sources []string
	for _, dir := range []string{filepath.Join(root, "docs", "snippets"), filepath.Join(root, "examples")} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") && filepath.Base(path) == "snippets_test.go" {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources = append(sources, normalize(string(data)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	fence := regexp.MustCompile("(?s)```go\n(.*?)```")
	total := 0
	for _, doc := range docs {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllStringSubmatch(string(data), -1) {
			total++
			block := normalize(m[1])
			found := false
			for _, src := range sources {
				if strings.Contains(src, block) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: this go snippet is in no compiled file under docs/snippets or examples (add it there, verbatim):\n%s", filepath.Base(doc), m[1])
			}
		}
	}
	if total < 10 {
		t.Fatalf("found only %d go snippets: is the fence pattern still right?", total)
	}
}

// normalize drops indentation, alignment and blank lines, so that a snippet
// matches the gofmt-ed code it was cut from wherever it is indented.
func normalize(s string) string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			lines = append(lines, strings.Join(fields, " "))
		}
	}
	return "\n" + strings.Join(lines, "\n") + "\n"
}
