// Package memo keeps values computed once per key for the life of their
// owner (an engine and the caches its use cases keep with it): concurrent
// callers of one key wait for the first computation, and a failed
// computation is not kept.
package memo

import "sync"

// Map holds the values by key. The zero value is ready to use; a Map must
// not be copied after first use.
type Map struct {
	mu sync.Mutex
	m  map[any]*entry
}

// entry is one value, computed once.
type entry struct {
	once sync.Once
	v    any
	err  error
}

// Do returns the value computed by compute for key, computing it once:
// concurrent callers wait for the first. A failed computation is not kept
// (the next call tries again). key must be comparable; use a type of the
// caller's package so that keys of different packages never collide.
// Values must be treated as immutable.
func (c *Map) Do(key any, compute func() (any, error)) (any, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[any]*entry{}
	}
	ent := c.m[key]
	if ent == nil {
		ent = &entry{}
		c.m[key] = ent
	}
	c.mu.Unlock()
	ent.once.Do(func() { ent.v, ent.err = compute() })
	if ent.err != nil {
		c.mu.Lock()
		if c.m[key] == ent {
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	return ent.v, ent.err
}

// ForgetIf drops the values whose key satisfies drop.
func (c *Map) ForgetIf(drop func(key any) bool) {
	c.mu.Lock()
	for k := range c.m {
		if drop(k) {
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}
