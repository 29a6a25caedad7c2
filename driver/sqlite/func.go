package sqlite

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"sync"

	modernc "modernc.org/sqlite"
)

// SQLite has a REGEXP operator but no function behind it: X REGEXP Y calls
// regexp(Y, X), which the application must provide. Slipway registers one
// (Go's RE2 syntax) on the driver the first time it opens a SQLite URL; the
// driver keeps registered functions for the life of the program, hence the
// sync.Once. A program that registered its own "regexp" first keeps it.
var registerFunctions = sync.OnceValue(func() error {
	err := modernc.RegisterDeterministicScalarFunction("regexp", 2, sqliteRegexp(newRegexpCache(64)))
	if err != nil && err.Error() == `a function named "regexp" is already registered` {
		return nil
	}
	return err
})

// sqliteRegexp implements regexp(pattern, value): 1 when value matches, 0
// when not, NULL when either is NULL.
func sqliteRegexp(cache *regexpCache) func(*modernc.FunctionContext, []driver.Value) (driver.Value, error) {
	return func(_ *modernc.FunctionContext, args []driver.Value) (driver.Value, error) {
		pattern, ok1 := text(args[0])
		value, ok2 := text(args[1])
		if !ok1 || !ok2 {
			return nil, nil
		}
		re, err := cache.compile(pattern)
		if err != nil {
			return nil, err
		}
		if re.MatchString(value) {
			return int64(1), nil
		}
		return int64(0), nil
	}
}

func text(v driver.Value) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	case nil:
		return "", false
	default:
		return fmt.Sprint(s), true
	}
}

// regexpCache keeps the last few compiled patterns: a query calls regexp
// once per row with the same pattern. It is bounded, since patterns come
// from clients.
type regexpCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*regexp.Regexp
}

func newRegexpCache(max int) *regexpCache {
	return &regexpCache{max: max, m: map[string]*regexp.Regexp{}}
}

func (c *regexpCache) compile(pattern string) (*regexp.Regexp, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if re, ok := c.m[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regexp %q: %w", pattern, err)
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[pattern] = re
	return re, nil
}
