package ussd_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/flows/flowstest"
	"github.com/huduma-connect/huduma/internal/testkit"
	"github.com/huduma-connect/huduma/store/redis"
	"github.com/huduma-connect/huduma/store/storetest"
	"github.com/huduma-connect/huduma/ussd"
)

// Two gateway replicas behind a load balancer that does not keep a session on one replica:
// each replica's session store answers loads from its own kept copies, so the replica that
// sees a session again after the other one moved it on holds a stale copy. The hop must still
// be answered from where the session really stands, and the booking made once.
func TestHopsAlternatingBetweenReplicas(t *testing.T) {
	ctx := storetest.Context(t)
	client, err := redis.Connect(ctx, storetest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	prefix := storetest.UniqueName("huduma_test_replicas") + ":"
	t.Cleanup(func() {
		keys, _ := client.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(context.Background(), keys...)
		}
	})

	w := flowstest.New(t, 10)
	replicas := make([]*gateway, 2)
	for i := range replicas {
		sessions := redis.New(client, redis.Options{Prefix: prefix})
		log, logs := testkit.Logger(t)
		h := ussd.New(w.Engine, sessions, ussd.Config{Logger: log})
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		h.Mount(app)
		replicas[i] = &gateway{app: app, handler: h, world: w, logs: logs}
	}

	const number = "+254722000077"
	p := &phone{t: t, g: replicas[0], session: "ATUid_alternating", number: number}
	hop := 0
	// next sends the next hop to the replica whose turn it is: 0, 1, 0, 1, ...
	next := func() *phone {
		p.g = replicas[hop%2]
		hop++
		return p
	}
	next().send().expect("CON ")
	first := p.reply
	for _, g := range replicas { // the first hop repeated, to either replica
		p.g = g
		if p.send(); p.reply != first {
			t.Fatalf("repeated first hop:\n%s\nwant\n%s", p.reply, first)
		}
	}
	next().pick("English")
	next().pick("Book appointment")
	for i := 0; i < 30 && !strings.Contains(p.reply, ". Kisumu"); i++ {
		next().press("98")
	}
	next().pick("Kisumu")
	next().pick("Kisumu")
	next().pick("Birth certificate")
	next().press("1")
	next().press("1").expect("CON Confirm appointment:")
	next().press("1").expect("END Booked! Ref ")
	booked := p.reply
	// The aggregator repeats the last hop to the other replica: the same answer.
	next().send()
	if p.reply != booked {
		t.Fatalf("repeat on the other replica:\n%s\nwant\n%s", p.reply, booked)
	}
	list, err := w.Desk.Upcoming(ctx, crm.Phone(number))
	if err != nil || len(list) != 1 {
		t.Fatalf("appointments %+v, %v; want one", list, err)
	}
}
