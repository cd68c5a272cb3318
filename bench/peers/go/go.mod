module lwswitch/bench/peers/go

go 1.19
