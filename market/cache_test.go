package market

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
		err  string
	}{
		{"override", map[string]string{"HASHPIVOT_CACHE_DIR": "/data/hp", "XDG_CACHE_HOME": "/x", "HOME": "/home/u"}, "/data/hp", ""},
		{"xdg", map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/home/u"}, "/x/hashpivot", ""},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.cache/hashpivot", ""},
		{"relative xdg", map[string]string{"XDG_CACHE_HOME": "rel"}, "", "not an absolute path"},
		{"nothing", map[string]string{}, "", "no cache directory"},
	} {
		got, err := CacheDir(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: CacheDir() error = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: CacheDir() = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.csv")
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "old\n"); return err }); err != nil {
		t.Fatal(err)
	}
	// A writer that fails half way leaves the old file and no temporary.
	boom := errors.New("boom")
	err := writeFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "new, but only a part")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("writeFileAtomic(failing) error = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Errorf("file = %q after a failed write, want the old content", b)
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestReadMeta(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	if _, err := ReadMeta(path); !errors.Is(err, ErrNoCache) {
		t.Errorf("ReadMeta(absent) error = %v, want ErrNoCache", err)
	}
	os.WriteFile(MetaPath(path), []byte("{\"source\": 5}"), 0o644)
	if _, err := ReadMeta(path); err == nil || !strings.Contains(err.Error(), "x.csv.meta.json") {
		t.Errorf("ReadMeta(bad) error = %v, want it to name the sidecar", err)
	}
}
