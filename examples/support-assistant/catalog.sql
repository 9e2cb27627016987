-- The product catalog of Lumen Home: the source of truth for prices and features.
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    price_usd NUMERIC(10, 2) NOT NULL,
    warranty_years INTEGER NOT NULL,
    connectivity TEXT NOT NULL,
    features TEXT NOT NULL
);
INSERT INTO products (sku, name, price_usd, warranty_years, connectivity, features) VALUES
('LH-HUB-1', 'Lumen Hub', 79.00, 2, 'Wi-Fi 2.4 GHz, Ethernet, Zigbee, Thread', 'up to 64 devices; status light; Lumen app setup'),
('LH-BLB-C', 'Lumen Bulb Color', 24.00, 2, 'Zigbee via Lumen Hub', 'E26; 16 million colors; 800 lumens; 9 watts'),
('LH-BLB-C4', 'Lumen Bulb Color 4-pack', 79.00, 2, 'Zigbee via Lumen Hub', 'four E26 bulbs; 16 million colors; 800 lumens'),
('LH-THM-1', 'Lumen Thermostat', 149.00, 3, 'Wi-Fi 2.4 GHz', 'learns schedule; 24-volt systems; monthly energy report; C-wire or adapter'),
('LH-DBC-1', 'Lumen Doorbell Cam', 129.00, 2, 'Wi-Fi 2.4 GHz', '1080p video; night vision; two-way audio; battery about 3 months'),
('LH-PLG-M', 'Lumen Plug Mini', 19.00, 2, 'Zigbee via Lumen Hub', 'energy monitoring; schedules; 15 A');
