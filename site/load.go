package site

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxFileBytes bounds the size of a site file.
const MaxFileBytes = 4 << 20

// ErrInvalid is wrapped by every error Load returns for a bad file.
var ErrInvalid = errors.New("site: invalid site file")

// SyntaxError is a YAML error: bad syntax, an unknown or duplicate key, a
// value of the wrong type.
type SyntaxError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }

// FieldError is one invalid value, named by its path in the file's keys.
type FieldError struct {
	File string
	Line int // 0 when the key is absent from the file
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Path, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s: %s", e.File, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Load reads, decodes and validates the site file at path.
func Load(path string) (*Site, error) { return LoadWith(path, nil) }

// LoadWith is Load with a change applied after decoding and before
// defaults that follow other fields and validation: `plan --market live`
// uses it to put today's market into the file's market section.
func LoadWith(path string, change func(*Site)) (*Site, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &SyntaxError{File: path, Msg: err.Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &SyntaxError{File: path, Msg: err.Error()}
	}
	return ParseWith(data, path, change)
}

// Parse decodes and validates a site file's bytes; name is used in messages.
func Parse(data []byte, name string) (*Site, error) { return ParseWith(data, name, nil) }

// ParseWith is Parse with a change applied as LoadWith does.
func ParseWith(data []byte, name string, change func(*Site)) (*Site, error) {
	if len(data) > MaxFileBytes {
		return nil, &SyntaxError{File: name, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileBytes)}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &SyntaxError{File: name, Msg: "not a text file (NUL byte)"}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, err)
	}
	s := Default()
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(name, err)
	}
	s.source = name
	s.lines = map[string]int{}
	for _, doc := range file.Docs {
		if doc.Body != nil {
			collectLines(doc.Body, "", s.lines)
		}
	}
	if change != nil {
		change(&s)
	}
	s.applyDerivedDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Has reports whether the file itself set the key at path ("risk.btc.vol_per_year").
func (s *Site) Has(path string) bool {
	_, ok := s.lines[path]
	return ok
}

// Source is the file name the site was loaded from.
func (s *Site) Source() string { return s.source }

// yamlError turns a go-yaml error into a SyntaxError with line and column.
func yamlError(name string, err error) error {
	msg := err.Error()
	line, col := 0, 0
	// go-yaml formats as "[line:col] message\n<source excerpt>".
	if strings.HasPrefix(msg, "[") {
		if end := strings.IndexByte(msg, ']'); end > 0 {
			lc := strings.SplitN(msg[1:end], ":", 2)
			if len(lc) == 2 {
				line, _ = strconv.Atoi(lc[0])
				col, _ = strconv.Atoi(lc[1])
			}
			msg = strings.TrimSpace(msg[end+1:])
		}
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	// Go type names mean nothing to the file's author.
	if i := strings.Index(msg, " into Go struct field "); i >= 0 {
		rest := msg[i+len(" into Go struct field "):]
		typ := ""
		if j := strings.LastIndex(rest, " of type "); j >= 0 {
			typ = rest[j+len(" of type "):]
		}
		msg = msg[:i] + " where a " + friendlyType(typ) + " is expected"
	}
	return &SyntaxError{File: name, Line: line, Column: col, Msg: msg}
}

func friendlyType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "whole number"
	case goType == "bool":
		return "true/false"
	case goType == "string":
		return "string"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	}
	return "mapping"
}

// collectLines records the line of every key and list item by its path.
func collectLines(n ast.Node, prefix string, out map[string]int) {
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			collectLines(mv, prefix, out)
		}
	case *ast.MappingValueNode:
		key := v.Key.GetToken().Value
		p := key
		if prefix != "" {
			p = prefix + "." + key
		}
		out[p] = v.Key.GetToken().Position.Line
		collectLines(v.Value, p, out)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			if tok := item.GetToken(); tok != nil {
				out[p] = tok.Position.Line
			}
			collectLines(item, p, out)
		}
	case *ast.TagNode:
		collectLines(v.Value, prefix, out)
	case *ast.AnchorNode:
		collectLines(v.Value, prefix, out)
	}
}

// applyDerivedDefaults fills values whose default is another field's value.
func (s *Site) applyDerivedDefaults() {
	if len(s.Strategies) == 0 && !s.Has("strategies") && !s.Start.IsZero() {
		s.Strategies = DefaultStrategies(s.Start)
	}
	for i := range s.Strategies {
		if s.Strategies[i].Start.IsZero() {
			s.Strategies[i].Start = s.Start
		}
	}
	if !s.Has("risk.btc.drift_per_year") {
		s.Risk.BTC.DriftPerYear = s.Market.BTCPriceGrowthPerYear
	}
	if !s.Has("risk.hashrate.growth_per_year") {
		s.Risk.Hashrate.GrowthPerYear = s.Market.HashrateGrowthPerYear
	}
	if !s.Has("risk.fees.mean_btc_per_block") {
		s.Risk.Fees.MeanBTCPerBlock = s.Market.FeesBTCPerBlock
	}
	if !s.Has("risk.power.mean_usd_per_mwh") {
		s.Risk.Power.MeanUSDPerMWh = s.Power.PriceUSDPerMWh
	}
	if !s.Has("risk.gpu_price.decline_per_year") {
		s.Risk.GPUPrice.DeclinePerYear = s.AI.GPUCloud.PriceDeclinePerYear
	}
	if !s.Has("optimize.start.from") && s.Start.raw == "" {
		s.Optimize.Start.From = s.Start
	}
	if !s.Has("optimize.start.to") && !s.Start.IsZero() {
		s.Optimize.Start.To = s.Start.AddMonths(21)
	}
	if !s.Has("assumptions.colocation_kw_per_gpu") {
		s.Assumptions.ColocationKWPerGPU = s.AI.GPUCloud.ITKWPerGPU
	}
}
