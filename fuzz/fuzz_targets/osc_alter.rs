//! Fuzzes the reader of `shipgate osc`'s statement: any bytes, every
//! engine, no panic; an accepted ALTER pointed at the shadow reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::engine::Engine;
use shipgate::osc::alter::Alter;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for engine in Engine::ALL {
        if let Ok(a) = Alter::parse(engine, &text) {
            let shadow = a.retarget(engine, Some("s"), "_sg_new_t");
            let back = Alter::parse(engine, &shadow).expect("a retargeted ALTER reads back");
            assert_eq!(back.table, "_sg_new_t");
        }
    }
});
