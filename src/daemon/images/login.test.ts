/** planSearch: GET /images/search's checks and what it asks the registry, in moby 28's wording. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Filters, kindOf } from '../../lib/index.js';
import { planSearch } from './login.js';

const plan = (term: string, limit: number, filters: Record<string, string[]> = {}) => planSearch(term, limit, Filters.fromEntries(filters));

function refused(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal(kindOf(e), 'invalidParameter');
    assert.equal((e as Error).message, message);
    return true;
  });
}

test('the registry named in the term, else Docker Hub (library/ dropped there)', () => {
  assert.deepEqual(plan('busybox', 0), { domain: 'docker.io', term: 'busybox', limit: 25, official: undefined, minStars: 0, nothing: false });
  assert.equal(plan('library/busybox', 3).term, 'busybox');
  assert.deepEqual([plan('index.docker.io/library/x', 1).domain, plan('index.docker.io/library/x', 1).term], ['docker.io', 'x']);
  assert.deepEqual([plan('127.0.0.1:5000/e2e/bu', 1).domain, plan('127.0.0.1:5000/e2e/bu', 1).term], ['127.0.0.1:5000', 'e2e/bu']);
  assert.deepEqual([plan('localhost/library/x', 1).domain, plan('localhost/library/x', 1).term], ['localhost', 'library/x']);
  assert.deepEqual([plan('team/app', 1).domain, plan('team/app', 1).term], ['docker.io', 'team/app']);
});

test('limits: 0 is the default 25, else 1..100', () => {
  assert.equal(plan('x', 100).limit, 100);
  refused(() => plan('x', 101), 'limit 101 is outside the range of [1, 100]');
  refused(() => plan('x', -2), 'limit -2 is outside the range of [1, 100]');
});

test('filters: names, booleans and stars as moby checks them, in its order', () => {
  refused(() => plan('x', 0, { nope: ['1'] }), "invalid filter 'nope'");
  refused(() => plan('x', 0, { 'is-official': ['maybe'] }), "invalid filter 'is-official=[maybe]'");
  refused(() => plan('x', 0, { 'is-official': ['true', 'false'] }), "invalid filter 'is-official=[true false]'");
  refused(() => plan('x', 0, { stars: ['abc'] }), `invalid filter 'stars=abc': strconv.Atoi: parsing "abc": invalid syntax`);
  refused(() => plan('x', 0, { stars: ['99999999999999999999'] }), `invalid filter 'stars=99999999999999999999': strconv.Atoi: parsing "99999999999999999999": value out of range`);
  refused(() => plan('x', 500, { stars: ['x'] }), `invalid filter 'stars=x': strconv.Atoi: parsing "x": invalid syntax`);
  refused(() => plan('http://h/x', 500), 'invalid repository name: repository name (http://h/x) should not have a scheme');
  assert.equal(plan('x', 0, { 'is-official': ['1'] }).official, true);
  assert.equal(plan('x', 0, { 'is-official': ['false'] }).official, false);
  assert.equal(plan('x', 0, { stars: ['3', '+10', '-1'] }).minStars, 10);
  assert.equal(plan('x', 0, { 'is-automated': ['true'] }).nothing, true);
  assert.equal(plan('x', 0, { 'is-automated': ['0'] }).nothing, false);
  // true/false are exact, as Go's map lookup
  refused(() => plan('x', 0, { 'is-automated': ['TRUE'] }), "invalid filter 'is-automated=[TRUE]'");
});
