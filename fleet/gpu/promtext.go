package gpu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseError is text that is not the Prometheus text exposition format,
// or a DCGM series that names no GPU.
type ParseError struct {
	Line int // 1-based
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("gpu: metrics line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// label is one name="value" pair of a series.
type label struct{ name, value string }

// series is one sample line: name{labels} value [timestamp].
type series struct {
	name   string
	labels []label
	value  float64
}

func (s series) label(name string) (string, bool) {
	for _, l := range s.labels {
		if l.name == name {
			return l.value, true
		}
	}
	return "", false
}

// maxLabels bounds the labels of one series (dcgm-exporter writes about ten).
const maxLabels = 64

func isNameStart(c byte) bool {
	return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isNameByte(c byte) bool { return isNameStart(c) || '0' <= c && c <= '9' }

// parseSeries reads one sample line of the text format (not a comment, not
// blank). It accepts what Prometheus's own text parser accepts for the
// lines an exporter writes: spaces or tabs between parts, escaped label
// values (\\, \", \n), a trailing comma in the label set, NaN and ±Inf,
// and an optional integer timestamp.
func parseSeries(line string) (series, error) {
	var s series
	i := 0
	skip := func() {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
	}
	name := func() (string, error) {
		start := i
		if i >= len(line) || !isNameStart(line[i]) {
			return "", fmt.Errorf("expected a name at column %d", i+1)
		}
		for i < len(line) && isNameByte(line[i]) {
			i++
		}
		return line[start:i], nil
	}

	n, err := name()
	if err != nil {
		return series{}, err
	}
	s.name = n
	skip()
	if i < len(line) && line[i] == '{' {
		i++
		for {
			skip()
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			if len(s.labels) == maxLabels {
				return series{}, fmt.Errorf("more than %d labels", maxLabels)
			}
			ln, err := name()
			if err != nil {
				return series{}, fmt.Errorf("label: %w", err)
			}
			skip()
			if i >= len(line) || line[i] != '=' {
				return series{}, fmt.Errorf("label %s: expected = at column %d", ln, i+1)
			}
			i++
			skip()
			if i >= len(line) || line[i] != '"' {
				return series{}, fmt.Errorf("label %s: expected a quoted value at column %d", ln, i+1)
			}
			i++
			var b strings.Builder
			closed := false
			for i < len(line) {
				c := line[i]
				i++
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' {
					if i >= len(line) {
						break
					}
					switch e := line[i]; e {
					case '\\', '"':
						b.WriteByte(e)
					case 'n':
						b.WriteByte('\n')
					default:
						return series{}, fmt.Errorf("label %s: invalid escape \\%c", ln, e)
					}
					i++
					continue
				}
				b.WriteByte(c)
			}
			if !closed {
				return series{}, fmt.Errorf("label %s: unterminated value", ln)
			}
			s.labels = append(s.labels, label{ln, b.String()})
			skip()
			if i < len(line) && line[i] == ',' {
				i++
				continue
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			return series{}, fmt.Errorf("label set: expected , or } at column %d", i+1)
		}
	}
	skip()
	start := i
	for i < len(line) && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	if start == i {
		return series{}, errors.New("missing value")
	}
	v, err := strconv.ParseFloat(line[start:i], 64)
	if err != nil {
		return series{}, fmt.Errorf("value %.40q is not a number", line[start:i])
	}
	s.value = v
	skip()
	if i < len(line) {
		ts := strings.TrimRight(line[i:], " \t")
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
			return series{}, fmt.Errorf("timestamp %.40q is not an integer", ts)
		}
	}
	return s, nil
}
