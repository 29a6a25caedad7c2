package repository

import (
	"fmt"
	"reflect"
)

// Limits bound how complex a filter may be, so that a client cannot send
// one that costs the database more than it should — 5,000 or-branches, an
// inq list of a million values, includes nested ten deep. The repository
// does not check them (Go callers are trusted); the rest package checks
// every filter it receives and answers 400 naming the limit.
//
// A zero field takes its default; a negative one means no limit.
type Limits struct {
	// Conditions is the most field conditions a filter may have, counted
	// over every and/or level and every include scope (default 200).
	Conditions int
	// Depth is the deepest nesting of and/or (default 8).
	Depth int
	// Values is the most values one inq or nin list may have (default 1000).
	Values int
	// Includes is the deepest nesting of include scopes (default 4).
	Includes int
}

// The defaults of Limits.
const (
	DefaultMaxConditions = 200
	DefaultMaxDepth      = 8
	DefaultMaxValues     = 1000
	DefaultMaxIncludes   = 4
)

func (l Limits) withDefaults() Limits {
	pick := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	return Limits{
		Conditions: pick(l.Conditions, DefaultMaxConditions),
		Depth:      pick(l.Depth, DefaultMaxDepth),
		Values:     pick(l.Values, DefaultMaxValues),
		Includes:   pick(l.Includes, DefaultMaxIncludes),
	}
}

// LimitError is a filter over one of the Limits.
type LimitError struct {
	Limit string // "conditions", "depth", "values" or "includes"
	Max   int    // the limit
	What  string // what went over it, for the message
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("repository: filter too complex: %s; the limit is %d (%s)", e.What, e.Max, e.Limit)
}

// Check returns a *LimitError when f goes over a limit.
func (l Limits) Check(f *Filter) error {
	l = l.withDefaults()
	n := 0
	return l.checkFilter(f, 1, &n)
}

// CheckWhere returns a *LimitError when w goes over a limit.
func (l Limits) CheckWhere(w Where) error {
	l = l.withDefaults()
	n := 0
	return l.checkWhere(w, 1, &n)
}

func (l Limits) checkFilter(f *Filter, level int, n *int) error {
	if f == nil {
		return nil
	}
	if err := l.checkWhere(f.Where, 1, n); err != nil {
		return err
	}
	for _, inc := range f.Include {
		if inc.Scope == nil {
			continue
		}
		if l.Includes >= 0 && level+1 > l.Includes {
			return &LimitError{Limit: "includes", Max: l.Includes, What: fmt.Sprintf("include scopes are nested %d deep", level+1)}
		}
		if err := l.checkFilter(inc.Scope, level+1, n); err != nil {
			return err
		}
	}
	return nil
}

func (l Limits) checkWhere(w Where, depth int, n *int) error {
	for key, value := range w {
		if key == "and" || key == "or" {
			if l.Depth >= 0 && depth+1 > l.Depth {
				return &LimitError{Limit: "depth", Max: l.Depth, What: fmt.Sprintf("and/or are nested %d deep", depth+1)}
			}
			list, err := whereList(value)
			if err != nil {
				continue // reported as a *FieldError when the filter is used
			}
			for _, sub := range list {
				if err := l.checkWhere(sub, depth+1, n); err != nil {
					return err
				}
			}
			continue
		}
		conds, ok := asCond(value)
		if !ok {
			conds = Cond{"eq": value}
		}
		for op, v := range conds {
			*n++
			if l.Conditions >= 0 && *n > l.Conditions {
				return &LimitError{Limit: "conditions", Max: l.Conditions, What: fmt.Sprintf("the where has more than %d conditions", l.Conditions)}
			}
			if op != "inq" && op != "nin" {
				continue
			}
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && l.Values >= 0 && rv.Len() > l.Values {
				return &LimitError{Limit: "values", Max: l.Values, What: fmt.Sprintf("%s of %q has %d values", op, key, rv.Len())}
			}
		}
	}
	return nil
}
