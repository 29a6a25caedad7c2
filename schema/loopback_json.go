package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reading LoopBack JSON: objects in their written order, and the loosely
// typed values (strings, flags, IDs, numbers, type names) its files hold.

type jsonMember struct {
	key   string
	value json.RawMessage
}

// jsonMembers is a JSON object's members in document order.
type jsonMembers []jsonMember

func (kvs jsonMembers) get(key string) (json.RawMessage, bool) {
	for _, kv := range kvs {
		if kv.key == key {
			return kv.value, true
		}
	}
	return nil, false
}

// orderedObject reads a JSON object keeping the order of its members (the
// order of properties is the order of columns). A key given twice is an
// error.
func orderedObject(data []byte) (jsonMembers, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want a JSON object, not %s", jsonKind(tok))
	}
	var out jsonMembers
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		if _, dup := out.get(key); dup {
			return nil, fmt.Errorf("key %q given twice", key)
		}
		out = append(out, jsonMember{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more after the object")
	}
	return out, nil
}

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func lbString(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func lbTrue(raw json.RawMessage) bool {
	var v bool
	return raw != nil && json.Unmarshal(raw, &v) == nil && v
}

// lbNo reports LoopBack's spellings of "not nullable": false, 0, "N", "NO".
func lbNo(raw json.RawMessage) bool {
	var v any
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch v := v.(type) {
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return strings.EqualFold(v, "N") || strings.EqualFold(v, "NO")
	}
	return false
}

// lbID reads "id": true is position 1, a number its position.
func lbID(raw json.RawMessage) (int, bool) {
	var v any
	if raw == nil {
		return 0, true
	}
	if json.Unmarshal(raw, &v) != nil {
		return 0, false
	}
	switch v := v.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		if v >= 0 && v == float64(int(v)) {
			return int(v), true
		}
	case nil:
		return 0, true
	}
	return 0, false
}

// lbInt is the first of the values that is set, as a positive integer
// (or a string of one); ok is false when a set value is not one.
func lbInt(raws ...json.RawMessage) (int, bool) {
	for _, raw := range raws {
		if raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			s, isString := lbString(raw)
			if n, err = strconv.Atoi(s); !isString || err != nil {
				return 0, false
			}
		}
		return n, n >= 0
	}
	return 0, true
}

// lbTypeName is a property's LoopBack type, lower-cased: "string",
// "number", ...; an array type (["string"]) is "array".
func lbTypeName(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		return "array", true
	}
	s, ok := lbString(raw)
	return strings.ToLower(s), ok && s != ""
}
