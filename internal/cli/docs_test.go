package cli

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashpivot/hashpivot/site"
)

// TestSiteFileReferenceIsComplete fails when docs/site-file.md does not
// mention a key of the site file.
func TestSiteFileReferenceIsComplete(t *testing.T) {
	doc, err := os.ReadFile("../../docs/site-file.md")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(rt reflect.Type, prefix string)
	walk = func(rt reflect.Type, prefix string) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if !f.IsExported() || tag == "" {
				continue
			}
			p := tag
			if prefix != "" {
				p = prefix + "." + tag
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
				p += "[i]"
			}
			switch {
			case ft == reflect.TypeFor[site.Month]():
				check(t, doc, p)
			case ft.Kind() == reflect.Struct && strings.HasPrefix(ft.Name(), "By"):
				check(t, doc, p) // per-technology tables are documented as p.{…}
			case ft.Kind() == reflect.Struct:
				walk(ft, p)
			default:
				check(t, doc, p)
			}
		}
	}
	walk(reflect.TypeFor[site.Site](), "")
}

func check(t *testing.T, doc []byte, path string) {
	t.Helper()
	// "optimize.ai_share.min" may be documented as "optimize.ai_share.min` / `.max".
	if strings.Contains(string(doc), "`"+path) {
		return
	}
	if i := strings.LastIndexByte(path, '.'); i > 0 && strings.Contains(string(doc), "`."+path[i+1:]+"`") && strings.Contains(string(doc), "`"+path[:i]) {
		return
	}
	t.Errorf("docs/site-file.md does not document %s", path)
}
