if (import.meta.main) console.log("crackcoin: work in progress");
