package rest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/slipwaygo/slipway/repository"
)

// Query parameters take two forms, as in LoopBack:
//
//	?filter={"where":{"title":"milk"},"limit":2}      JSON
//	?filter[where][title]=milk&filter[limit]=2        exploded (what qs, supertest and LoopBack clients send)
//
// In the exploded form every value is text; where values are read as the
// field's type by the repository, and limit, skip, offset and the booleans
// of fields here.

// maxBracketDepth bounds the nesting of an exploded parameter.
const maxBracketDepth = 16

// maxBracketIndex bounds an array index of an exploded parameter, so that
// filter[fields][99999999]=x cannot make a huge array.
const maxBracketIndex = 1000

// rawParam returns a query parameter's JSON: the JSON form as sent, or the
// exploded form gathered into JSON; nil when absent.
func rawParam(q url.Values, name string, isFilter bool) ([]byte, error) {
	tree, err := brackets(q, name)
	if err != nil {
		return nil, err
	}
	if isFilter {
		tree = coerceFilter(tree)
	}
	plain, hasPlain := q[name]
	switch {
	case tree != nil && hasPlain:
		return nil, invalidParam(name, "give it either as JSON or in the exploded form "+name+"[...], not both")
	case tree != nil:
		data, err := json.Marshal(tree)
		if err != nil {
			return nil, invalidParam(name, err.Error())
		}
		return data, nil
	case !hasPlain || strings.TrimSpace(plain[0]) == "":
		return nil, nil
	case len(plain) > 1:
		return nil, invalidParam(name, "it is given more than once")
	}
	data := []byte(strings.TrimSpace(plain[0]))
	if reason := jsonSyntax(data); reason != "" {
		return nil, &Error{Status: 400, Code: "INVALID_PARAMETER_VALUE", Message: fmt.Sprintf("Invalid data for parameter %q: not valid JSON: %s", name, reason)}
	}
	return data, nil
}

// filterParam reads a filter parameter; a filter with nothing set when
// absent. It checks the filter against limits.
func filterParam(q url.Values, name string, limits repository.Limits) (*repository.Filter, error) {
	data, err := rawParam(q, name, true)
	if err != nil || data == nil {
		return &repository.Filter{}, err
	}
	f, err := repository.ParseFilter(data)
	if err != nil {
		return nil, invalidParam(name, reason(err))
	}
	if err := limits.Check(f); err != nil {
		return nil, fromRepository(err, name, false)
	}
	return f, nil
}

// whereParam reads a where parameter; nil (every row) when absent.
func whereParam(q url.Values, name string, limits repository.Limits) (repository.Where, error) {
	data, err := rawParam(q, name, false)
	if err != nil || data == nil {
		return nil, err
	}
	w, err := repository.ParseWhere(data)
	if err != nil {
		return nil, invalidParam(name, reason(err))
	}
	if err := limits.CheckWhere(w); err != nil {
		return nil, fromRepository(err, name, false)
	}
	return w, nil
}

// reason is a repository error's message without the package prefix.
func reason(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "repository: ")
	msg = strings.TrimPrefix(msg, "filter: ")
	return strings.TrimPrefix(msg, "where: ")
}

// brackets gathers the exploded form of parameter name — name[a][b]=v —
// into a tree of maps, slices (numeric or empty indices) and strings, as
// the qs library does; nil when there is none. A key repeated is a list.
func brackets(q url.Values, name string) (any, error) {
	keys := make([]string, 0, len(q))
	for k := range q {
		if strings.HasPrefix(k, name+"[") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	sort.Strings(keys)
	root := map[string]any{}
	for _, k := range keys {
		segs, ok := segments(k[len(name):])
		switch {
		case !ok:
			return nil, invalidParam(name, fmt.Sprintf("%q is not of the form %s[key][key]...", k, name))
		case len(segs) > maxBracketDepth:
			return nil, invalidParam(name, fmt.Sprintf("%q is nested deeper than %d", k, maxBracketDepth))
		}
		for _, v := range q[k] {
			if err := insert(root, segs, v); err != nil {
				return nil, invalidParam(name, fmt.Sprintf("%q: %v", k, err))
			}
		}
	}
	tree, err := arrays(root)
	if err != nil {
		return nil, invalidParam(name, err.Error())
	}
	return tree, nil
}

// segments splits "[a][b][]" into a, b and "".
func segments(s string) ([]string, bool) {
	var segs []string
	for s != "" {
		if s[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return nil, false
		}
		segs = append(segs, s[1:end])
		s = s[end+1:]
	}
	return segs, true
}

// insert puts value at the path segs under node.
func insert(node map[string]any, segs []string, value string) error {
	seg := segs[0]
	if seg == "" {
		seg = strconv.Itoa(len(node)) // name[]=a&name[]=b: the next index
	}
	if len(segs) == 1 {
		switch old := node[seg].(type) {
		case nil:
			node[seg] = value
		case string:
			node[seg] = map[string]any{"0": old, "1": value} // repeated: a list
		case map[string]any:
			if !allIndices(old) {
				return fmt.Errorf("it is both a value and an object")
			}
			old[strconv.Itoa(len(old))] = value
		}
		return nil
	}
	child, ok := node[seg].(map[string]any)
	if !ok {
		if node[seg] != nil {
			return fmt.Errorf("it is both a value and an object")
		}
		child = map[string]any{}
		node[seg] = child
	}
	return insert(child, segs[1:], value)
}

func allIndices(m map[string]any) bool {
	for k := range m {
		if n, err := strconv.Atoi(k); err != nil || n < 0 {
			return false
		}
	}
	return true
}

// arrays turns maps whose keys are all indices into slices, in index
// order, recursively.
func arrays(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	for k, child := range m {
		c, err := arrays(child)
		if err != nil {
			return nil, err
		}
		m[k] = c
	}
	if len(m) == 0 || !allIndices(m) {
		return m, nil
	}
	idx := make([]int, 0, len(m))
	for k := range m {
		n, _ := strconv.Atoi(k)
		if n > maxBracketIndex {
			return nil, fmt.Errorf("index %d is over %d", n, maxBracketIndex)
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]any, len(idx))
	for i, n := range idx {
		out[i] = m[strconv.Itoa(n)]
	}
	return out, nil
}

// coerceFilter reads the text of a filter's numbers and booleans: limit,
// skip and offset, the values of a fields object, and the same in include
// scopes. Where values stay text; the repository reads them as their
// field's type.
func coerceFilter(v any) any {
	f, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, k := range []string{"limit", "skip", "offset"} {
		if s, ok := f[k].(string); ok {
			if n, err := strconv.Atoi(s); err == nil {
				f[k] = n
			}
		}
	}
	if fields, ok := f["fields"].(map[string]any); ok {
		for k, s := range fields {
			if b, err := strconv.ParseBool(fmt.Sprint(s)); err == nil {
				fields[k] = b
			}
		}
	}
	if incs, ok := f["include"].([]any); ok {
		for _, inc := range incs {
			if m, ok := inc.(map[string]any); ok {
				m["scope"] = coerceFilter(m["scope"])
			}
		}
	}
	return f
}
