package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Cache file names inside the cache directory.
const (
	BTCPriceFile      = "btc-price-usd-daily.csv"
	DifficultyFile    = "difficulty.csv"
	MiningHistoryFile = "hashrate-difficulty.json"
	FeesFile          = "fees-per-block.csv"
	StateFile         = "state.json"
)

// maxMetaBytes bounds a sidecar .meta.json.
const maxMetaBytes = 1 << 20

// CacheDir returns hashpivot's cache directory from the environment, looked
// up with getenv (os.Getenv in production): $HASHPIVOT_CACHE_DIR, else
// $XDG_CACHE_HOME/hashpivot, else $HOME/.cache/hashpivot. It creates
// nothing.
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("HASHPIVOT_CACHE_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("market: XDG_CACHE_HOME %q is not an absolute path", d)
		}
		return filepath.Join(d, "hashpivot"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "hashpivot"), nil
	}
	return "", errors.New("market: no cache directory: set HASHPIVOT_CACHE_DIR, XDG_CACHE_HOME or HOME, or pass --cache-dir")
}

// Meta is the sidecar NAME.meta.json written next to every cache file: where
// its data came from and when. Loaders of the data file never read it.
type Meta struct {
	// Source names the API (mempool.space, coingecko, coinmetrics, ercot).
	Source string `json:"source"`
	// URL is the base URL asked.
	URL string `json:"url"`
	// FetchedAt is when the last fetch finished.
	FetchedAt time.Time `json:"fetched_at"`
	// Rows is the number of data rows in the file.
	Rows int `json:"rows"`
	// First and Last bound the data (dates or RFC 3339 times).
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	// Format is the data file's header or format name.
	Format string `json:"format"`
	// Note says anything else worth knowing (fallbacks, skipped rows).
	Note string `json:"note,omitempty"`
}

// MetaPath is the sidecar path of a cache file.
func MetaPath(path string) string { return path + ".meta.json" }

// ReadMeta reads the sidecar of the cache file at path.
func ReadMeta(path string) (Meta, error) {
	f, err := os.Open(MetaPath(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Meta{}, fmt.Errorf("%w: %s", ErrNoCache, MetaPath(path))
		}
		return Meta{}, fmt.Errorf("market: %w", err)
	}
	defer f.Close()
	data, err := readBounded(f, maxMetaBytes, MetaPath(path))
	if err != nil {
		return Meta{}, err
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return Meta{}, jsonError(MetaPath(path), data, err)
	}
	return m, nil
}

// writeFileAtomic writes path by writing a temporary file in the same
// directory, syncing it and renaming it over path: a reader sees the old
// file or the new one, never a part. The directory is created if needed.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("market: cache dir: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("market: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("market: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("market: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("market: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("market: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("market: write %s: %w", path, err)
	}
	ok = true
	return nil
}

// writeCacheFile writes data then its sidecar, each atomically.
func writeCacheFile(path string, write func(io.Writer) error, meta Meta) error {
	if err := writeFileAtomic(path, write); err != nil {
		return err
	}
	return writeFileAtomic(MetaPath(path), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(meta)
	})
}

// openCached opens a cache file, mapping absence to ErrNoCache.
func openCached(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoCache, path)
		}
		return nil, fmt.Errorf("market: %w", err)
	}
	return f, nil
}

// readCached reads a whole cache file (bounded).
func readCached(path string) ([]byte, error) {
	f, err := openCached(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, fileLimit, path)
}

// loadCachedWith loads a cache file with a loader; absent is ErrNoCache.
func loadCachedWith[T any](path string, load func(io.Reader, string) (T, error)) (T, error) {
	var zero T
	data, err := readCached(path)
	if err != nil {
		return zero, err
	}
	return load(bytes.NewReader(data), path)
}
