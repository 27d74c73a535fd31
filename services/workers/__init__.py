"""arq workers: the only writers of MongoDB, fed by the engines' durable event jobs."""
