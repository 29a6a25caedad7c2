package schema

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// Every field of the table types is in the models' digest: a field added
// and forgotten there would let the fast path call a changed model actual.
func TestDigestCoversEveryField(t *testing.T) {
	full := func() *Table {
		return &Table{
			Columns:     []*Column{{mysql: &myAttrs{}, Type: ColumnType{Args: []string{"1"}}, was: []string{"w"}}},
			PrimaryKey:  &PrimaryKey{Columns: []string{"id"}},
			Indexes:     []*Index{{Columns: []string{"a"}, Desc: []bool{false}}},
			ForeignKeys: []*ForeignKey{{Columns: []string{"a"}, RefColumns: []string{"b"}}},
			Checks:      []*Check{{}},
			triggers:    []string{"t"},
			was:         []string{"w"},
			colWas:      map[string]string{"a": "b"},
		}
	}
	base := digestTables("PostgreSQL", []*Table{full()})
	fields := 0
	var visit func(path string, get func(*Table) reflect.Value)
	visit = func(path string, get func(*Table) reflect.Value) {
		typ := get(full()).Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			at := func(tb *Table) reflect.Value {
				v := get(tb).Field(i)
				return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
			}
			name := path + "." + f.Name
			switch f.Type.Kind() {
			case reflect.Struct:
				visit(name, at)
				continue
			case reflect.Pointer:
				if f.Type.Elem().Kind() == reflect.Struct {
					visit(name, func(tb *Table) reflect.Value { return at(tb).Elem() })
					continue
				}
			case reflect.Slice:
				if k := f.Type.Elem().Kind(); k == reflect.Pointer {
					visit(name+"[0]", func(tb *Table) reflect.Value { return at(tb).Index(0).Elem() })
					continue
				}
			}
			tb := full()
			v := at(tb)
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 1)
			case reflect.Slice:
				v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
			case reflect.Map:
				v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
			default:
				t.Errorf("%s: a %s field the test cannot change", name, v.Kind())
				continue
			}
			fields++
			assert.NotEqual(t, base, digestTables("PostgreSQL", []*Table{tb}), "%s is not in the digest (state.go, digestWriter)", name)
		}
	}
	visit("Table", func(tb *Table) reflect.Value { return reflect.ValueOf(tb).Elem() })
	assert.Greater(t, fields, 50, "the walk reached the fields")
}
