/* SPDX-License-Identifier: GPL-2.0 */
/*
 * condchan.h — the baseline: the channel a C programmer writes with one
 * mutex and two condition variables around a ring buffer.  A capacity of 0
 * is served as 1 (no rendezvous): for a strict request/reply ping-pong the
 * two behave alike, since at most one message is ever in flight.
 */
#ifndef LWSW_CONDCHAN_H
#define LWSW_CONDCHAN_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

struct condchan {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	size_t cap, head, len;
	uint64_t *buf;
};

static inline int condchan_init(struct condchan *c, size_t cap)
{
	c->cap = cap ? cap : 1;
	c->head = c->len = 0;
	c->buf = calloc(c->cap, sizeof(*c->buf));
	if (!c->buf)
		return -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->not_empty, NULL);
	pthread_cond_init(&c->not_full, NULL);
	return 0;
}

static inline void condchan_destroy(struct condchan *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->not_empty);
	pthread_cond_destroy(&c->not_full);
	free(c->buf);
}

static inline void condchan_send(struct condchan *c, uint64_t v)
{
	pthread_mutex_lock(&c->lock);
	while (c->len == c->cap)
		pthread_cond_wait(&c->not_full, &c->lock);
	c->buf[(c->head + c->len++) % c->cap] = v;
	pthread_cond_signal(&c->not_empty);
	pthread_mutex_unlock(&c->lock);
}

static inline uint64_t condchan_recv(struct condchan *c)
{
	uint64_t v;

	pthread_mutex_lock(&c->lock);
	while (!c->len)
		pthread_cond_wait(&c->not_empty, &c->lock);
	v = c->buf[c->head];
	c->head = (c->head + 1) % c->cap;
	c->len--;
	pthread_cond_signal(&c->not_full);
	pthread_mutex_unlock(&c->lock);
	return v;
}

#endif /* LWSW_CONDCHAN_H */
